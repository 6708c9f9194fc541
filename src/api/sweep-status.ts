import { TASK_STATUSES, type TaskStatus, type TerminationReason } from '../domain/task.js';
import type { Params } from '../domain/params.js';
import { HsmError } from '../domain/errors.js';
import { listSweepIds, openSweepDirectory } from '../state/sweep-directory.js';
import { liveLockOwner } from '../state/sweep-lock.js';
import { join } from 'node:path';
import type { ProjectContext } from './project.js';
import type { OpenSweep } from '../state/sweep-directory.js';
import type { SweepSummary } from '../state/sweep-summary.js';
import { openSweep } from './sweep-open.js';
import { cancelLeftAttempts } from './sweep-run.js';
import { catchUpLeftTasks } from './reconcile-sweep.js';
import { typeOutlivesRun } from '../compute/source-registry.js';

// Reading a sweep's state (while another process may be running it: the store is WAL) and stopping it.

export interface StatusReport {
  sweep_id: string;
  sweep_dir: string;
  total: number;
  counts: Record<TaskStatus, number>;
  sources: Record<string, Record<TaskStatus, number>>;
  /** pid of the hsm process running the sweep, if any. */
  running_pid: number | null;
  eta_seconds: number | null;
}

// The `hsm status --json` document, handed to `write` in chunks of about 1 MB. Rows are read one by one
// as arrays and written as JSON text directly (params are already JSON in the store), so 100,000 tasks
// stay fast and never sit in memory at once.
export function writeStatusJson(
  project: ProjectContext,
  idOrPrefix: string | undefined,
  write: (chunk: string) => void,
): void {
  const sweep = openSweep(project, idOrPrefix, { readonly: true });
  try {
    // The rows first (one pass that brings the table into the cache), then the summary for the head,
    // which is written first; the pages are strings SQLite built, held until then.
    const { pages, head } = sweep.store.snapshot(() => ({
      pages: [...sweep.store.statusJsonPages()],
      head: headOf(sweep),
    }));
    const headText = JSON.stringify(head);
    write(`${headText.slice(0, -1)},"tasks":[`);
    pages.forEach((page, i) => write(`${i === 0 ? '' : ','}\n${page}`));
    write('\n]}\n');
  } finally {
    sweep.store.close();
  }
}

// The same document as one string (and without the tasks when `withTasks` is false).
export function renderStatusJson(
  project: ProjectContext,
  idOrPrefix: string | undefined,
  withTasks = true,
): string {
  if (!withTasks) {
    const sweep = openSweep(project, idOrPrefix, { readonly: true });
    try {
      return JSON.stringify(headOf(sweep), null, 2);
    } finally {
      sweep.store.close();
    }
  }
  const chunks: string[] = [];
  writeStatusJson(project, idOrPrefix, (c) => chunks.push(c));
  return chunks.join('').trimEnd();
}

/** Before a sweep left on a batch scheduler is shown (no hsm process follows it): what its jobs
 * recorded since is taken into the store (reconcile-sweep.ts). Returns the tasks brought up to date. */
export function catchUpLeftSweep(project: ProjectContext, idOrPrefix?: string): string[] {
  const sweep = openSweep(project, idOrPrefix, { readonly: true });
  const dir = sweep.paths.dir;
  sweep.store.close();
  const sources = project.config.sources;
  return catchUpLeftTasks(dir, (name) => {
    const type = name === null ? undefined : sources[name]?.type;
    return type !== undefined && typeOutlivesRun(type);
  });
}

/** One task as `hsm status --json` (and `--watch --json`) shows it: the same fields in both. */
export interface StatusTaskRow {
  name: string;
  key: string;
  status: TaskStatus;
  source: string | null;
  attempts: number;
  exit_code: number | null;
  termination_reason: TerminationReason | null;
  signal: string | null;
  /** Epoch milliseconds. */
  started_at_ms: number | null;
  ended_at_ms: number | null;
  host: string | null;
  detail: string | null;
  params: Params;
}

// The status document with its tasks, as an object (the rows are the ones `writeStatusJson` writes).
export function getSweepStatus(
  project: ProjectContext,
  idOrPrefix?: string,
): StatusReport & { tasks: StatusTaskRow[] } {
  const sweep = openSweep(project, idOrPrefix, { readonly: true });
  try {
    const tasks = JSON.parse(`[${[...sweep.store.statusJsonPages()].join(',')}]`) as StatusTaskRow[];
    return { ...headOf(sweep), tasks };
  } finally {
    sweep.store.close();
  }
}

/** The status document's head (counts, sources, running pid, ETA) of an open sweep. */
export function headOf(sweep: OpenSweep): StatusReport {
  return headFrom(sweep, sweep.store.summary());
}

/** The status document's head from a summary already at hand (a live one: state/live-summary.ts). */
export function headFrom(sweep: OpenSweep, span: SweepSummary): StatusReport {
  const counts = span.counts;
  const left = counts.pending + counts.queued + counts.running;
  let eta: number | null = left === 0 ? 0 : null;
  if (
    left > 0 &&
    span.finished >= 2 &&
    span.firstStart !== null &&
    span.lastEnd !== null &&
    span.lastEnd > span.firstStart
  ) {
    eta = Math.round((((span.lastEnd - span.firstStart) / span.finished) * left) / 1000); // remaining work / finishing rate
  }
  return buildHead(sweep.id, sweep.paths.dir, counts, span.bySource, ownerPid(sweep.paths.lock), eta);
}

function buildHead(
  id: string,
  dir: string,
  counts: Record<TaskStatus, number>,
  sources: Record<string, Record<TaskStatus, number>>,
  pid: number | null,
  eta: number | null,
): StatusReport {
  const total = TASK_STATUSES.reduce((n, s) => n + counts[s], 0);
  return { sweep_id: id, sweep_dir: dir, total, counts, sources, running_pid: pid, eta_seconds: eta };
}

function ownerPid(lockPath: string): number | null {
  return liveLockOwner(lockPath);
}

export interface RecentSweep {
  sweep_id: string;
  sweep_dir: string;
  /** null (and counts, total) when the sweep cannot be read; `error` says why. */
  created_at: string | null;
  total: number | null;
  counts: Record<TaskStatus, number> | null;
  running: boolean;
  error?: string;
}

// The newest sweeps of the project, newest first. A sweep that cannot be read (a damaged store) is
// listed with the reason, and does not hide the others.
export function listRecentSweeps(project: ProjectContext, limit = 10): RecentSweep[] {
  return listSweepIds(project.outputDir)
    .slice(0, limit)
    .map((id) => {
      const dir = join(project.outputDir, id);
      let s: OpenSweep;
      try {
        s = openSweepDirectory(dir, { readonly: true });
      } catch (err) {
        if (!(err instanceof HsmError)) throw err;
        return {
          sweep_id: id,
          sweep_dir: dir,
          created_at: null,
          total: null,
          counts: null,
          running: false,
          error: err.message,
        };
      }
      try {
        const counts = s.store.counts();
        return {
          sweep_id: id,
          sweep_dir: s.paths.dir,
          created_at: s.metadata.created_at,
          total: TASK_STATUSES.reduce((n, k) => n + counts[k], 0),
          counts,
          running: ownerPid(s.paths.lock) !== null,
        };
      } finally {
        s.store.close();
      }
    });
}

// Stops a sweep: asks the hsm process running it to cancel gracefully (as Ctrl-C does); with no such
// process, cancels what it left behind itself (sweep-run.ts: cancelLeftAttempts).
export async function cancelSweep(
  project: ProjectContext,
  idOrPrefix: string,
  graceMs = 5000,
  /** ssh client config file (`ssh -F`) for the sources of what a dead process left. */
  sshConfigFile?: string,
): Promise<{
  sweep_id: string;
  signalled_pid: number | null;
  killed_tasks: string[];
  withdrawn_tasks: string[];
}> {
  const sweep = openSweep(project, idOrPrefix);
  try {
    const pid = ownerPid(sweep.paths.lock);
    if (pid !== null) {
      process.kill(pid, 'SIGTERM');
      return { sweep_id: sweep.id, signalled_pid: pid, killed_tasks: [], withdrawn_tasks: [] };
    }
    const counts = sweep.store.counts();
    if (counts.running + counts.queued === 0) {
      throw new HsmError('usage', `sweep ${sweep.id} is not running`, {
        hint: `\`hsm status ${sweep.id}\` shows its state`,
      });
    }
    const { cancelled, withdrawn } = await cancelLeftAttempts(project, sweep, graceMs, sshConfigFile);
    return { sweep_id: sweep.id, signalled_pid: null, killed_tasks: cancelled, withdrawn_tasks: withdrawn };
  } finally {
    sweep.store.close();
  }
}

import { TASK_STATUSES, type TaskStatus } from '../domain/task.js';
import { HsmError } from '../domain/errors.js';
import { listSweepIds, openSweepDirectory } from '../state/sweep-directory.js';
import { readLockOwner } from '../state/sweep-lock.js';
import { isProcessAlive } from '../state/process-liveness.js';
import { readStartedRecord } from '../state/task-records.js';
import { join } from 'node:path';
import type { ProjectContext } from './project.js';
import { openSweep } from './sweep-run.js';

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

// The `hsm status --json` document. Task rows are spliced in as JSON text, so 100,000 tasks stay fast.
export function renderStatusJson(project: ProjectContext, idOrPrefix: string | undefined, withTasks = true): string {
  const sweep = openSweep(project, idOrPrefix, { readonly: true });
  try {
    const head = buildHead(sweep.id, sweep.paths.dir, sweep.store.counts(), sweep.store.countsBySource(), ownerPid(sweep.paths.lock), etaOf(sweep.store.rawTasks()));
    if (!withTasks) return JSON.stringify(head, null, 2);
    const parts: string[] = [];
    for (const r of sweep.store.rawTasks()) {
      parts.push(
        `{"name":${JSON.stringify(r.name)},"key":"${r.key}","status":"${r.status}","source":${JSON.stringify(r.source)},` +
          `"attempts":${r.attempts},"exit_code":${r.exit_code ?? 'null'},"termination_reason":${JSON.stringify(r.reason)},` +
          `"signal":${JSON.stringify(r.signal)},"started_at":${iso(r.started_at)},"ended_at":${iso(r.ended_at)},` +
          `"host":${JSON.stringify(r.host)},"detail":${JSON.stringify(r.detail)},"params":${r.params}}`,
      );
    }
    const headText = JSON.stringify(head);
    return `${headText.slice(0, -1)},"tasks":[\n${parts.join(',\n')}\n]}`;
  } finally {
    sweep.store.close();
  }
}

export function getSweepStatus(project: ProjectContext, idOrPrefix?: string): StatusReport & { tasks: ReturnType<typeof taskSummaries> } {
  const sweep = openSweep(project, idOrPrefix, { readonly: true });
  try {
    const rows = sweep.store.rawTasks();
    const head = buildHead(sweep.id, sweep.paths.dir, sweep.store.counts(), sweep.store.countsBySource(), ownerPid(sweep.paths.lock), etaOf(rows));
    return { ...head, tasks: taskSummaries(rows) };
  } finally {
    sweep.store.close();
  }
}

function taskSummaries(rows: ReturnType<import('../state/sweep-store.js').SweepStore['rawTasks']>) {
  return rows.map((r) => ({
    name: r.name,
    status: r.status,
    source: r.source,
    attempts: r.attempts,
    exit_code: r.exit_code,
    termination_reason: r.reason,
    detail: r.detail,
    started_at: r.started_at,
    ended_at: r.ended_at,
  }));
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

// Remaining work divided by the observed finishing rate.
function etaOf(rows: { status: string; ended_at: number | null; started_at: number | null }[]): number | null {
  const done = rows.filter((r) => r.ended_at !== null && r.status !== 'pending');
  const left = rows.filter((r) => r.status === 'pending' || r.status === 'queued' || r.status === 'running').length;
  if (left === 0 || done.length < 2) return left === 0 ? 0 : null;
  const first = Math.min(...done.map((r) => r.started_at ?? r.ended_at!));
  const last = Math.max(...done.map((r) => r.ended_at!));
  if (last <= first) return null;
  return Math.round(((last - first) / done.length) * left / 1000);
}

const iso = (ms: number | null) => (ms === null ? 'null' : `"${new Date(ms).toISOString()}"`);

function ownerPid(lockPath: string): number | null {
  const pid = readLockOwner(lockPath);
  return pid !== null && isProcessAlive(pid) ? pid : null;
}

export interface RecentSweep {
  sweep_id: string;
  sweep_dir: string;
  created_at: string;
  total: number;
  counts: Record<TaskStatus, number>;
  running: boolean;
}

// The newest sweeps of the project, newest first.
export function listRecentSweeps(project: ProjectContext, limit = 10): RecentSweep[] {
  return listSweepIds(project.outputDir)
    .slice(0, limit)
    .map((id) => {
      const s = openSweepDirectory(join(project.outputDir, id), { readonly: true });
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
// process, terminates the task processes it left behind.
export function cancelSweep(project: ProjectContext, idOrPrefix: string): { sweep_id: string; signalled_pid: number | null; killed_tasks: string[] } {
  const sweep = openSweep(project, idOrPrefix, { readonly: true });
  try {
    const pid = ownerPid(sweep.paths.lock);
    if (pid !== null) {
      process.kill(pid, 'SIGTERM');
      return { sweep_id: sweep.id, signalled_pid: pid, killed_tasks: [] };
    }
    const killed: string[] = [];
    for (const t of sweep.store.tasks()) {
      if (t.status !== 'running' && t.status !== 'queued') continue;
      const started = readStartedRecord(sweep.paths.taskFile(t.name, 'started'), t.attempts);
      if (started && isProcessAlive(started.pid)) {
        try {
          process.kill(-started.pid, 'SIGTERM');
          killed.push(t.name);
        } catch {
          /* gone */
        }
      }
    }
    if (killed.length === 0 && pid === null) {
      const counts = sweep.store.counts();
      if (counts.running + counts.queued === 0) {
        throw new HsmError('usage', `sweep ${sweep.id} is not running`, { hint: `\`hsm status ${sweep.id}\` shows its state` });
      }
    }
    return { sweep_id: sweep.id, signalled_pid: null, killed_tasks: killed };
  } finally {
    sweep.store.close();
  }
}

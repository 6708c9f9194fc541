import type { TaskStatus } from '../domain/task.js';
import type { ProjectContext } from './project.js';
import { failureCauses } from './sweep-errors.js';
import { openSweep } from './sweep-open.js';
import { openSweepReader, type SweepReader } from './sweep-reader.js';
import type { StatusReport } from './sweep-status.js';
import { typeOutlivesRun } from '../compute/source-registry.js';

// `hsm status --watch`: what one refresh shows: the status head (counts, sources, ETA), the running
// tasks with their elapsed time and the latest failures with their cause.

export interface WatchRunningTask {
  name: string;
  source: string | null;
  host: string | null;
  attempts: number;
  elapsed_ms: number;
}

export interface WatchFailure {
  name: string;
  status: TaskStatus;
  source: string | null;
  host: string | null;
  /** The failure category (`hsm errors`), e.g. `python_exception`. */
  category: string;
  evidence: string;
  ended_at_ms: number | null;
}

export interface WatchSnapshot {
  /** The head of `hsm status --json`: counts, per source, running pid, ETA. */
  status: StatusReport;
  now_ms: number;
  /** Longest running first, at most `running` of them (see `running_total`). */
  running: WatchRunningTask[];
  running_total: number;
  /** Newest first, at most `failures` of them. */
  recent_failures: WatchFailure[];
  /** No hsm process runs the sweep, but tasks of it are queued or running on a batch scheduler
   * (`--detach`, a Ctrl-C answered "leave"): their jobs go on, and a watch follows them itself. */
  left: boolean;
  /** No hsm process runs the sweep and none of its jobs is left on a scheduler: nothing will change
   * any more until one does. */
  ended: boolean;
}

export interface SweepWatcher {
  /** The sweep's directory: the same sweep at every refresh, even when a newer one starts. */
  readonly dir: string;
  snapshot(): WatchSnapshot;
  close(): void;
}

/**
 * Opens a sweep for repeated snapshots. A snapshot reads the counts, the running tasks and the latest
 * failures with SQL limits (the dashboard's task table), not every row: cheap on 100,000 tasks.
 */
export function openSweepWatcher(
  project: ProjectContext,
  idOrPrefix?: string,
  limits: { running?: number; failures?: number } = {},
): SweepWatcher {
  const first = openSweep(project, idOrPrefix, { readonly: true });
  const dir = first.paths.dir;
  first.store.close();
  const reader = openSweepReader(project, dir);
  return {
    dir,
    snapshot: () => snapshotOf(project, reader, limits.running ?? 200, limits.failures ?? 5),
    close: () => reader.close(),
  };
}

function snapshotOf(
  project: ProjectContext,
  reader: SweepReader,
  maxRunning: number,
  failures: number,
): WatchSnapshot {
  const status = reader.status();
  const now = Date.now();
  const running = reader.tasks({ status: 'running', sort: 'started', limit: maxRunning });
  const latest = reader.tasks({
    status: 'failed,lost',
    sort: 'ended',
    descending: true,
    limit: failures,
  }).rows;
  let causes = new Map<string, { category: string; evidence: string }>();
  if (latest.length > 0) {
    const sweep = openSweep(project, reader.dir, { readonly: true });
    try {
      causes = failureCauses(sweep, new Set(latest.map((t) => t.name)));
    } finally {
      sweep.store.close();
    }
  }
  return {
    status,
    now_ms: now,
    running: running.rows.map((t) => ({
      name: t.name,
      source: t.source,
      host: t.host,
      attempts: t.attempts,
      elapsed_ms: t.started_at_ms === null ? 0 : Math.max(0, now - t.started_at_ms),
    })),
    running_total: running.total,
    recent_failures: latest.map((t) => ({
      name: t.name,
      status: t.status,
      source: t.source,
      host: t.host,
      category: causes.get(t.name)?.category ?? 'unknown',
      evidence: causes.get(t.name)?.evidence ?? t.termination_reason ?? '',
      ended_at_ms: t.ended_at_ms,
    })),
    left: leftOnScheduler(project, status),
    ended: status.running_pid === null && !leftOnScheduler(project, status),
  };
}

/** No hsm process runs the sweep and tasks of it are queued or running on a source whose jobs
 * outlive a run (the batch schedulers): they go on without one. */
export function leftOnScheduler(project: ProjectContext, status: StatusReport): boolean {
  if (status.running_pid !== null) return false;
  return Object.entries(status.sources).some(([name, c]) => {
    const type = project.config.sources[name]?.type;
    return c.queued + c.running > 0 && type !== undefined && typeOutlivesRun(type);
  });
}

/** Text from a task (an stderr line) made safe to print on a terminal: control characters shown escaped. */
export { escapeControls } from '../remote/output/terminal-safe.js';

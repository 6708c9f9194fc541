import type { TaskStatus } from '../domain/task.js';
import type { ProjectContext } from './project.js';
import { failureCauses } from './sweep-errors.js';
import { openSweep } from './sweep-run.js';
import { getSweepStatus, type StatusReport, type StatusTaskRow } from './sweep-status.js';

// `hsm status --watch`: what one refresh shows. The status document (the rows of `hsm status --json`),
// plus the running tasks with their elapsed time and the latest failures with their cause.

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
  status: StatusReport & { tasks: StatusTaskRow[] };
  now_ms: number;
  /** Longest running first. */
  running: WatchRunningTask[];
  /** Newest first, at most `failures` of them. */
  recent_failures: WatchFailure[];
  /** No hsm process runs the sweep: nothing will change any more until one does. */
  ended: boolean;
}

export function getWatchSnapshot(project: ProjectContext, idOrPrefix?: string, failures = 5): WatchSnapshot {
  const status = getSweepStatus(project, idOrPrefix);
  const now = Date.now();
  const running = status.tasks
    .filter((t) => t.status === 'running')
    .map((t) => ({
      name: t.name,
      source: t.source,
      host: t.host,
      attempts: t.attempts,
      elapsed_ms: t.started_at_ms === null ? 0 : Math.max(0, now - t.started_at_ms),
    }))
    .sort((a, b) => b.elapsed_ms - a.elapsed_ms || a.name.localeCompare(b.name));
  const latest = status.tasks
    .filter((t) => t.status === 'failed' || t.status === 'lost')
    .sort((a, b) => (b.ended_at_ms ?? 0) - (a.ended_at_ms ?? 0) || b.name.localeCompare(a.name))
    .slice(0, failures);
  let causes = new Map<string, { category: string; evidence: string }>();
  if (latest.length > 0) {
    const sweep = openSweep(project, status.sweep_dir, { readonly: true });
    try {
      causes = failureCauses(sweep, new Set(latest.map((t) => t.name)));
    } finally {
      sweep.store.close();
    }
  }
  return {
    status,
    now_ms: now,
    running,
    recent_failures: latest.map((t) => ({
      name: t.name,
      status: t.status,
      source: t.source,
      host: t.host,
      category: causes.get(t.name)?.category ?? 'unknown',
      evidence: causes.get(t.name)?.evidence ?? t.detail ?? '',
      ended_at_ms: t.ended_at_ms,
    })),
    ended: status.running_pid === null,
  };
}

/** Text from a task (an stderr line) made safe to print on a terminal: control characters shown escaped. */
export { escapeControls } from '../remote/output/terminal-safe.js';

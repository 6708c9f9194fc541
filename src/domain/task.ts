import type { Params } from './params.js';

// A task is one parameter combination of a sweep; its key (hash of canonical params + command)
// is its identity across resumes, edits of the sweep file and machines.
export interface TaskSpec {
  /** 1-based position in generation order. */
  index: number;
  /** Human name, `task_001`, zero-padded to the sweep's width. */
  name: string;
  key: string;
  params: Params;
  /** The exact argv the task runs (argv[0] is resolved via PATH). */
  argv: string[];
}

export const TASK_STATUSES = [
  'pending',
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
  'lost',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TERMINATION_REASONS = [
  'completed',
  'failed',
  'timeout',
  'oom',
  'cancelled',
  'preempted',
  'node_fail',
  'lost',
  'submit_error',
] as const;
export type TerminationReason = (typeof TERMINATION_REASONS)[number];

// Which status moves are legal; the store refuses any other (state/sweep-store.ts), as a bug.
// - `queued` is a new attempt (its number only grows): a task not run yet, or whose last attempt
//   ended without completing (retry, `hsm complete`). `completed` is final.
// - `queued -> completed|failed|...`: the attempt ended before its start was seen (adopted after a
//   crash, a record read back). `queued -> pending`, `cancelled|failed|lost -> pending`: withdrawn
//   before it started, or put back to run again.
// - `lost -> running|completed|failed|cancelled`: the records of an attempt taken for lost turned up
//   (its host came back, `hsm collect`); they are the truth, and the next run records them.
// A pending task is never cancelled: a cancel stops attempts, and tasks not handed over stay pending.
export const TASK_TRANSITIONS: Record<TaskStatus, readonly TaskStatus[]> = {
  pending: ['queued'],
  queued: ['running', 'completed', 'failed', 'cancelled', 'lost', 'pending'],
  running: ['completed', 'failed', 'cancelled', 'lost'],
  completed: [],
  failed: ['queued', 'pending'],
  cancelled: ['queued', 'pending'],
  lost: ['queued', 'pending', 'running', 'completed', 'failed', 'cancelled'],
};

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return TASK_TRANSITIONS[from].includes(to);
}

/** The statuses a task may move to `to` from. */
export function statusesLeadingTo(to: TaskStatus): TaskStatus[] {
  return TASK_STATUSES.filter((from) => canTransition(from, to));
}

export function isFinalStatus(status: TaskStatus): boolean {
  switch (status) {
    case 'completed':
    case 'failed':
    case 'cancelled':
    case 'lost':
      return true;
    case 'pending':
    case 'queued':
    case 'running':
      return false;
  }
}

// The status a task takes from how its attempt ended.
export function statusForReason(reason: TerminationReason): TaskStatus {
  switch (reason) {
    case 'completed':
      return 'completed';
    case 'cancelled':
      return 'cancelled';
    case 'lost':
      return 'lost';
    case 'failed':
    case 'timeout':
    case 'oom':
    case 'preempted':
    case 'node_fail':
    case 'submit_error':
      return 'failed';
  }
}

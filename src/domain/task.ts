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

// Which status moves are legal. `lost`, `failed` and `cancelled` go back to `queued` when a task is
// run again (retry, `hsm complete`); `completed` is final.
export const TASK_TRANSITIONS: Record<TaskStatus, readonly TaskStatus[]> = {
  pending: ['queued', 'cancelled'],
  queued: ['running', 'completed', 'failed', 'cancelled', 'lost', 'pending'],
  running: ['completed', 'failed', 'cancelled', 'lost'],
  completed: [],
  failed: ['queued', 'pending'],
  cancelled: ['queued', 'pending'],
  lost: ['queued', 'pending'],
};

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return TASK_TRANSITIONS[from].includes(to);
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

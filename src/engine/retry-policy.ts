import type { Outcome } from '../domain/outcome.js';
import type { TerminationReason } from '../domain/task.js';

// Which outcomes are worth another attempt. A command that does not exist or cannot execute will
// fail the same way again; a cancel is the user's decision; everything else may be transient.
const RETRYABLE: Record<TerminationReason, boolean> = {
  completed: false,
  failed: true,
  timeout: true,
  oom: false,
  cancelled: false,
  preempted: true,
  node_fail: true,
  lost: true,
  submit_error: true,
};

export function isRetryable(outcome: Outcome): boolean {
  if (outcome.reason === 'failed' && (outcome.exitCode === 127 || outcome.exitCode === 126)) return false;
  return RETRYABLE[outcome.reason];
}

// Exponential backoff before attempt n+1 (n = attempts so far): base, 2*base, 4*base... capped.
export function retryDelayMs(attemptsSoFar: number, baseMs: number, maxMs = 300_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptsSoFar - 1));
}

import type { FailureCategory } from '../diagnose/index.js';
import type { TerminationReason } from '../domain/task.js';

// Which failures are worth another attempt unchanged, by cause (diagnose/). What fails the same way
// again is not retried: a missing command, module or file, a permission, a full disk, running out of
// memory (the same params need the same memory: retrying blindly only burns time); nor a cancel (the
// user's decision). What may be transient is: crashes, timeouts (a hang), node and network failures,
// preemption, lost tasks, and anything hsm does not recognise.
const RETRY: Record<FailureCategory, boolean> = {
  oom: false,
  cuda_oom: false,
  timeout: true,
  segfault: true,
  command_not_found: false,
  missing_module: false,
  missing_file: false,
  permission_denied: false,
  disk_full: false,
  nccl: true,
  gpu_unavailable: true,
  python_exception: true,
  cancelled: false,
  node_fail: true,
  preempted: true,
  lost: true,
  submit_error: true,
  unknown: true,
};

export function isRetryable(diagnosis: { category: FailureCategory }): boolean {
  return RETRY[diagnosis.category];
}

// Exponential backoff before attempt n+1 (n = attempts so far): base, 2*base, 4*base... capped.
export function retryDelayMs(attemptsSoFar: number, baseMs: number, maxMs = 300_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptsSoFar - 1));
}

// ---- per termination reason (hsm_config.yaml `retry:`) ----
//
// How an attempt that ended for a reason is tried again: one table, exhaustive by reason. `retries`
// is how many more attempts that reason earns (`default`: `defaults.retries`, and only when the cause
// table above says the failure may pass); `atOnce` skips the backoff (a preempted job or a dead node
// says nothing about the task); `mem`/`time` multiply the next attempt's memory / time limit on the
// sources that set them (batch schedulers); on the others, a retry that needs more memory is not
// made (it would fail the same way).
export interface ReasonRetry {
  retries: number | 'default';
  atOnce?: boolean;
  mem?: number;
  time?: number;
}

export const DEFAULT_REASON_RETRY: Record<TerminationReason, ReasonRetry> = {
  completed: { retries: 0 },
  failed: { retries: 'default' },
  timeout: { retries: 'default', time: 2 },
  oom: { retries: 1, mem: 2 },
  cancelled: { retries: 0 },
  preempted: { retries: 3, atOnce: true },
  node_fail: { retries: 3, atOnce: true },
  lost: { retries: 'default' },
  submit_error: { retries: 'default' },
};

export interface RetryDecision {
  retry: boolean;
  atOnce: boolean;
  /** Factors for the next attempt's resources (1: unchanged). */
  mem: number;
  time: number;
}

export function retryAfter(
  reason: TerminationReason,
  ctx: {
    policy: Partial<Record<TerminationReason, ReasonRetry>> | undefined;
    /** This attempt's number, and how many of the task's attempts ended for this reason so far
     * (this one included). */
    attempt: number;
    timesForReason: number;
    defaultRetries: number;
    diagnosis: { category: FailureCategory } | null;
    scalesResources: boolean;
  },
): RetryDecision {
  const p = ctx.policy?.[reason] ?? DEFAULT_REASON_RETRY[reason];
  const scaled = (p.mem ?? 1) !== 1 || (p.time ?? 1) !== 1;
  let retry: boolean;
  if (p.retries === 'default')
    retry = ctx.attempt <= ctx.defaultRetries && ctx.diagnosis !== null && isRetryable(ctx.diagnosis);
  else retry = ctx.timesForReason <= p.retries && (!(p.mem && p.mem !== 1) || ctx.scalesResources);
  return {
    retry,
    atOnce: p.atOnce === true,
    mem: retry && scaled && ctx.scalesResources ? (p.mem ?? 1) : 1,
    time: retry && scaled && ctx.scalesResources ? (p.time ?? 1) : 1,
  };
}

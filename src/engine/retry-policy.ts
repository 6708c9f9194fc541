import type { FailureCategory } from '../diagnose/index.js';

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

import type { TerminationReason } from '../../domain/task.js';
import type { AccountingEntry, JobVerdict, QueueEntry } from './batch-dialect.js';

// How one attempt in a batch job stands, from everything hsm knows: the runner's records in the
// task directory (the truth about the task), the scheduler's queue (is the element still there?)
// and its accounting (how the job ended: time limit, memory, node failure, preemption). Pure.
//
// The exit record comes first: exit 0 is completed whatever else is said. A non-zero exit, or none,
// is explained by accounting once the element has left the queue. Accounting lags behind the queue
// (slurmdbd is written asynchronously), so an element gone from the queue with no verdict yet is
// awaited; only after `ACCOUNTING_GRACE_MS` does the exit record decide alone, and only after
// `LOST_AFTER_MS` is an element with no record and no verdict reported lost.

export const ACCOUNTING_GRACE_MS = 20_000;
export const LOST_AFTER_MS = 90_000;

export interface AttemptView {
  /** The element in this round's queue listing; null when it is not listed; 'unknown' when the
   * status call failed (a restarting controller): nothing is concluded from an unknown queue. */
  queue: QueueEntry | null | 'unknown';
  /** Since when the element is missing from the queue (ms), null while it is listed. */
  leftQueueAt: number | null;
  accounting: AccountingEntry | null;
  verdict: JobVerdict | null;
  started: { host: string; at: number } | null;
  exit: { exit: number; at: number } | null;
  /** hsm asked the scheduler to cancel it (cancel, withdraw or its own time limit). */
  cancelRequested: boolean;
  /** Packed with other attempts into one element (`tasks_per_job`): the element's verdict is not
   * this task's unless it was the one running when the element ended. */
  packed?: boolean;
  /** Packed, and another task of its element started: the allocation ran. */
  elementRan?: boolean;
  /** The runner reserved its records but wrote no start record: it may have started. */
  reserved?: boolean;
  now: number;
}

export type Judgement =
  | { kind: 'wait' }
  | {
      kind: 'finished';
      exitStatus: number | null;
      reason?: TerminationReason;
      detail?: string;
      neverStarted?: boolean;
      /** The scheduler's accounting gave this attempt's final state, and it was not out of memory. */
      accounted?: boolean;
    };

/** Reasons the scheduler knows better than an exit status. */
const SCHEDULER_REASONS: ReadonlySet<TerminationReason> = new Set([
  'timeout',
  'oom',
  'preempted',
  'node_fail',
  'cancelled',
]);

export function judgeAttempt(v: AttemptView): Judgement {
  const gone = v.queue === null && v.leftQueueAt !== null;
  const waited = gone ? v.now - v.leftQueueAt! : 0;
  const verdict = v.verdict?.reason ? v.verdict : null;
  if (v.exit) {
    if (v.exit.exit === 0) return { kind: 'finished', exitStatus: 0 };
    // a packed task's own exit (its timeout or a cancel hsm made through its directory included)
    if (v.packed) return { kind: 'finished', exitStatus: v.exit.exit };
    if (verdict && SCHEDULER_REASONS.has(verdict.reason!))
      return finished(v.exit.exit, verdict.reason!, verdict.detail);
    // accounting that says how the job ended (and not OUT_OF_MEMORY) outranks guessing a memory kill
    // from a SIGKILL in the exit record
    if (verdict) return { kind: 'finished', exitStatus: v.exit.exit, accounted: true };
    if (gone && waited >= ACCOUNTING_GRACE_MS) return { kind: 'finished', exitStatus: v.exit.exit };
    return { kind: 'wait' };
  }
  if (!gone) return { kind: 'wait' };
  if (!v.started && v.elementRan && (verdict || waited >= ACCOUNTING_GRACE_MS)) {
    // its allocation ran earlier tasks and ended (time limit, cancel, node) before reaching it:
    // it never ran, so it goes back to pending; a reservation with no start record may have run
    return v.reserved
      ? finished(null, 'lost', 'its job ended as the runner was starting it (records reserved, no start)')
      : { kind: 'finished', exitStatus: null, neverStarted: true };
  }
  if (verdict) {
    if (!v.started) {
      // the element ended without the task starting: cancelled while queued, or the job failed
      // before the runner could start it (a missing directory, a node that never came up)
      if (verdict.reason === 'cancelled' && v.cancelRequested)
        return { kind: 'finished', exitStatus: null, neverStarted: true };
      if (SCHEDULER_REASONS.has(verdict.reason!)) return finished(null, verdict.reason!, verdict.detail);
      return finished(
        null,
        'failed',
        `the job ended before the task started (${verdict.detail ?? v.accounting?.state ?? 'no detail'}); see the job's output under scripts/job_scripts/output/`,
      );
    }
    if (SCHEDULER_REASONS.has(verdict.reason!)) return finished(null, verdict.reason!, verdict.detail);
    return finished(
      null,
      'lost',
      `the job ended (${v.accounting?.state ?? verdict.reason}) but the runner wrote no exit record`,
    );
  }
  if (waited < LOST_AFTER_MS) return { kind: 'wait' };
  return finished(
    null,
    'lost',
    `the job left the queue ${Math.round(waited / 1000)}s ago and neither accounting nor the task directory says how it ended`,
  );
}

function finished(exitStatus: number | null, reason: TerminationReason, detail: string | null): Judgement {
  return { kind: 'finished', exitStatus, reason, ...(detail ? { detail } : {}) };
}

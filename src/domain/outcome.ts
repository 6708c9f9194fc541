import type { TerminationReason } from './task.js';

// How an attempt ended: one shape for success and failure, whatever source ran it.
export interface Outcome {
  exitCode: number | null;
  /** Signal name (`SIGKILL`) when the process died of a signal. */
  signal: string | null;
  reason: TerminationReason;
  /** Epoch milliseconds. */
  startedAt: number | null;
  endedAt: number | null;
  host: string | null;
  /** A short human explanation (`timed out after 30s`, `no exit record and process gone`). */
  detail: string | null;
}

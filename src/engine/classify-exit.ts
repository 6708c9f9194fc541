import { constants } from 'node:os';
import type { Outcome } from '../domain/outcome.js';
import type { TerminationReason } from '../domain/task.js';

// Turns what a source reported about an ended attempt into an outcome. Order of evidence
// (docs/ARCHITECTURE.md): the exit record first, the source's own verdict (scheduler: timeout, OOM) second,
// a missing record with the process gone third (`lost`). What hsm itself did (a timeout kill, a cancel)
// explains a signal death.

const SIGNAL_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(constants.signals).map(([name, num]) => [num, name]),
);

export interface ExitEvidence {
  /** Shell exit status (128+N = signal N), null when no exit record exists. */
  exitStatus: number | null;
  sourceReason?: TerminationReason | undefined;
  sourceDetail?: string | undefined;
  timedOutAfterMs?: number | undefined;
  cancelled?: boolean | undefined;
  startedAt: number | null;
  endedAt: number;
  host: string | null;
}

export function classifyExit(e: ExitEvidence): Outcome {
  const base = { startedAt: e.startedAt, endedAt: e.endedAt, host: e.host };
  if (e.exitStatus === null) {
    const reason = e.cancelled ? 'cancelled' : (e.sourceReason ?? 'lost');
    return {
      ...base,
      exitCode: null,
      signal: null,
      reason,
      detail: e.sourceDetail ?? 'no exit record and the process is gone',
    };
  }
  const status = e.exitStatus;
  const signal =
    status > 128 && status < 128 + 65 ? (SIGNAL_NAMES[status - 128] ?? `SIG${status - 128}`) : null;
  const exitCode = signal ? null : status;
  let reason: TerminationReason;
  let detail: string | null = e.sourceDetail ?? null;
  if (e.timedOutAfterMs !== undefined) {
    // hsm stopped it: even a graceful exit 0 on TERM did not finish the work in time
    reason = 'timeout';
    detail = `timed out after ${formatSeconds(e.timedOutAfterMs)}`;
  } else if (status === 0) reason = 'completed';
  else if (e.sourceReason) reason = e.sourceReason;
  else if (e.cancelled) reason = 'cancelled';
  else {
    reason = 'failed';
    if (signal) detail = `killed by ${signal}`;
    else if (status === 127) detail = 'command not found (exit 127)';
    else if (status === 126)
      detail = 'command not executable, or the working directory is missing (exit 126)';
    else detail = `exit code ${status}`;
  }
  return { ...base, exitCode, signal, reason, detail };
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

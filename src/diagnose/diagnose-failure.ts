import type { TerminationReason } from '../domain/task.js';
import { CATEGORY_INFO, type FailureCategory } from './failure-category.js';
import { FAILURE_SIGNATURES, type FailureSignature } from './failure-signatures.js';
import { fingerprintLines, normaliseLine } from './fingerprint.js';
import { findFinalExceptionLine, splitStderrLines } from './stderr-lines.js';

// One failed attempt -> its cause: category, termination reason, the evidence line, a fingerprint that
// groups it with others failing the same way, and a hint. Pure: the caller reads the stderr tail.

export interface FailureEvidence {
  reason: TerminationReason;
  exitCode: number | null;
  signal: string | null;
  detail?: string | null;
  /** The source's accounting says the attempt did not run out of memory (a scheduler's final state):
   * signatures that only guess an OOM (a SIGKILL hsm did not send) do not apply. */
  memoryAccounted?: boolean;
  /** The last few KB of the attempt's stderr ('' when there is none). */
  stderrTail: string;
}

export interface Diagnosis {
  category: FailureCategory;
  /** The outcome's termination reason, made precise where the cause says more (`failed` -> `oom`). */
  reason: TerminationReason;
  /** The exact stderr line that shows the cause, or a description when no line does. */
  evidence: string;
  /** Category plus the normalised evidence: equal fingerprints make one group. */
  fingerprint: string;
  hint: string;
}

/** How many of the last stderr lines signatures look at. */
const LINES_SEEN = 40;

export function diagnoseFailure(e: FailureEvidence): Diagnosis {
  const lines = splitStderrLines(e.stderrTail).slice(-LINES_SEEN);
  for (const sig of FAILURE_SIGNATURES) {
    const evidence = matchSignature(sig, e, lines);
    if (evidence === null) continue;
    const fromLine = sig.stderr !== undefined;
    return build(sig.category, e.reason, evidence, fromLine ? normaliseLine(evidence) : signatureKey(sig, e));
  }
  const exception = findFinalExceptionLine(lines);
  if (exception) return build('python_exception', e.reason, exception, normaliseLine(exception));
  const last = lines.at(-1);
  if (last === undefined) {
    const what = describeExit(e);
    return build('unknown', e.reason, `${what}, nothing on stderr`, `${what} (no stderr)`);
  }
  return build('unknown', e.reason, last, fingerprintLines(lines));
}

function build(
  category: FailureCategory,
  reason: TerminationReason,
  evidence: string,
  key: string,
): Diagnosis {
  const info = CATEGORY_INFO[category];
  return {
    category,
    reason: info.reason ?? reason,
    evidence,
    fingerprint: `${category}: ${key}`,
    hint: info.hint,
  };
}

// The evidence a signature finds, or null when it does not hold.
function matchSignature(sig: FailureSignature, e: FailureEvidence, lines: readonly string[]): string | null {
  if (!(sig.reasons ?? ['failed']).includes(e.reason)) return null;
  if (sig.guessesOom && e.memoryAccounted) return null;
  if (sig.exitCodes && (e.exitCode === null || !sig.exitCodes.includes(e.exitCode))) return null;
  if (sig.signals && (e.signal === null || !sig.signals.includes(e.signal))) return null;
  if (sig.stderr) {
    for (let i = lines.length - 1; i >= 0; i--) if (sig.stderr.test(lines[i]!)) return lines[i]!.trim();
    return null;
  }
  if (sig.describe) return sig.describe.replace('{signal}', e.signal ?? '');
  return e.detail ?? describeExit(e);
}

function signatureKey(sig: FailureSignature, e: FailureEvidence): string {
  if (sig.signals) return e.signal ?? '';
  if (sig.exitCodes) return `exit ${e.exitCode}`;
  return sig.reasons?.join(',') ?? '';
}

function describeExit(e: FailureEvidence): string {
  if (e.signal) return `killed by ${e.signal}`;
  if (e.exitCode !== null) return `exit code ${e.exitCode}`;
  return e.reason;
}

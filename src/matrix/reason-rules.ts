import type { TerminationReason } from '../domain/task.js';
import type { ReasonRules } from './matrix-definition.js';

// How a job ended, in its own words and its source's (docs/matrix-files.md "Termination reasons").
// Pure: callers hand in the tail of the job's log.

export interface LogFindings {
  /** From the summary line, else the first pattern rule that matched. */
  reason: string | null;
  /** The exit code the summary line states (the program's own, e.g. of its training process). */
  exitCode: number | null;
  restarts: number | null;
  /** The log line the reason was read from. */
  evidence: string | null;
}

// Reads a job's log: the last summary line's `key=value` words (exit_code, reason, restarts), else
// the first pattern rule that matches a line; restarts from the summary, else lines matching the
// restart rule.
export function readLogFindings(text: string, rules: ReasonRules): LogFindings {
  const lines = text.split(/\r?\n/);
  const summaryRe = new RegExp(rules.summary);
  const out: LogFindings = { reason: null, exitCode: null, restarts: null, evidence: null };
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!summaryRe.test(lines[i]!)) continue;
    const fields = parseKeyValues(lines[i]!);
    if (fields.reason && /^[A-Za-z][A-Za-z0-9_]*$/.test(fields.reason))
      out.reason = fields.reason.toLowerCase();
    if (fields.exit_code !== undefined && /^-?\d+$/.test(fields.exit_code))
      out.exitCode = Number(fields.exit_code);
    if (fields.restarts !== undefined && /^\d+$/.test(fields.restarts))
      out.restarts = Number(fields.restarts);
    out.evidence = lines[i]!.trim();
    break;
  }
  if (out.reason === null) {
    search: for (const rule of rules.patterns) {
      const re = new RegExp(rule.match);
      for (const line of lines)
        if (re.test(line)) {
          out.reason = rule.reason;
          out.evidence = line.trim();
          break search;
        }
    }
  }
  if (out.restarts === null && rules.restarts !== null) {
    const re = new RegExp(rules.restarts);
    out.restarts = lines.filter((l) => re.test(l)).length;
  }
  return out;
}

function parseKeyValues(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of line.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g))
    out[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  return out;
}

// The reason a job ended. What the source or hsm saw stop it from outside (a scheduler time limit, an
// OOM kill, a cancel, a lost node) is the stronger evidence; otherwise the job's own word; otherwise
// plain `completed` / `failed` from its exit status.
export function resolveTerminationReason(source: TerminationReason | null, log: LogFindings): string | null {
  if (source === null) return log.reason;
  switch (source) {
    case 'completed':
    case 'failed':
      return log.reason ?? source;
    case 'timeout':
    case 'oom':
    case 'cancelled':
    case 'preempted':
    case 'node_fail':
    case 'lost':
    case 'submit_error':
      return source;
  }
}

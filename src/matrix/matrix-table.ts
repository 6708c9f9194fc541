import type { ParamValue } from '../domain/params.js';
import { formatPlainValue } from '../sweep/hydra-value.js';
import { countVerdicts, type Verdict } from './verdict.js';
import { plural } from '../domain/plural.js';

// `hsm matrix check` as text: jobs grouped by the first axis (a header line per value), one row
// each with its verdict, reason, exit code, restart count, duration and job id; then a one-line
// summary. Pure: colour comes from the caller's painter (plain text when there is none).

export interface MatrixTableRow {
  name: string;
  axes: Record<string, ParamValue>;
  verdict: Verdict;
  reason: string | null;
  exitCode: number | null;
  restarts: number | null;
  durationMs: number | null;
  jobId: string | null;
  why: string | null;
}

export interface VerdictPainter {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const PLAIN: VerdictPainter = {
  green: (t) => t,
  red: (t) => t,
  yellow: (t) => t,
  dim: (t) => t,
  bold: (t) => t,
};
const HEAD = ['JOB', 'VERDICT', 'REASON', 'EXIT', 'RESTARTS', 'DURATION', 'JOB ID'];

export function renderMatrixTable(rows: readonly MatrixTableRow[], paint: VerdictPainter = PLAIN): string[] {
  const cells = rows.map((r) => [
    r.name,
    r.verdict,
    r.reason ?? '-',
    r.exitCode === null ? '-' : String(r.exitCode),
    r.restarts === null ? '-' : String(r.restarts),
    r.durationMs === null ? '-' : formatDuration(r.durationMs),
    r.jobId ?? '-',
  ]);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[], colour: (t: string) => string) =>
    '  ' +
    c
      .map((text, i) => (i === 1 ? colour(text.padEnd(widths[i]!)) : text.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  const axis = rows.length > 0 ? Object.keys(rows[0]!.axes)[0] : undefined;
  let group: string | null = null;
  out.push(paint.dim(line(HEAD, (t) => t)));
  rows.forEach((r, i) => {
    const value = axis === undefined ? '' : formatPlainValue(r.axes[axis] ?? null);
    if (axis !== undefined && value !== group) {
      group = value;
      out.push(paint.bold(`${axis}=${value}`));
    }
    out.push(line(cells[i]!, colourOf(r.verdict, paint)));
    if (r.why && r.verdict === 'fail') out.push(paint.dim(`      ${r.why}`));
  });
  out.push(summarizeVerdicts(rows.map((r) => r.verdict)));
  return out;
}

// `12 jobs: 9 pass, 2 fail, 1 running, 0 pending`
export function summarizeVerdicts(verdicts: readonly Verdict[]): string {
  const c = countVerdicts(verdicts);
  return `${plural(verdicts.length, 'job')}: ${c.pass} pass, ${c.fail} fail, ${c.running} running, ${c.pending} pending`;
}

function colourOf(v: Verdict, paint: VerdictPainter): (t: string) => string {
  switch (v) {
    case 'pass':
      return paint.green;
    case 'fail':
      return paint.red;
    case 'running':
      return paint.yellow;
    case 'pending':
      return paint.dim;
  }
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

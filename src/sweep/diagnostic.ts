import { HsmError } from '../domain/errors.js';
import { plural } from '../domain/plural.js';

// What validation found in a sweep file or hsm_config.yaml: one record per problem, with the
// place it was found (file:line:col) so a user can jump to it, and a hint saying what to do.
export type Severity = 'error' | 'warning' | 'suggestion';

export interface Diagnostic {
  severity: Severity;
  message: string;
  file?: string;
  line?: number;
  col?: number;
  hint?: string;
  /** The offending source line with a caret under the column, when there is one. */
  excerpt?: string;
}

export interface SourcePosition {
  file?: string;
  line?: number;
  col?: number;
}

// True when any diagnostic is an error (the file cannot be used).
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

// `file:line:col` (or as much of it as is known), compiler style, for messages and editors.
export function formatLocation(d: SourcePosition): string {
  if (d.file === undefined) return '';
  if (d.line === undefined) return d.file;
  return d.col === undefined ? `${d.file}:${d.line}` : `${d.file}:${d.line}:${d.col}`;
}

// One diagnostic as the lines a human reads: `sweep.yaml:3:1: error: unknown key ...`, the
// excerpt, then the hint.
export function formatDiagnostic(d: Diagnostic): string {
  const where = formatLocation(d);
  const lines = [`${where ? where + ': ' : ''}${d.severity}: ${d.message}`];
  if (d.excerpt) lines.push(...d.excerpt.split('\n').map((l) => `    ${l}`));
  if (d.hint) lines.push(`    hint: ${d.hint}`);
  return lines.join('\n');
}

// The error for a file that has errors (a sweep file, hsm_config.yaml): every error at its
// file:line:col in the evidence. A single error's hint becomes the hint, said once (not also under
// the error); several errors keep theirs and the hint is `fallbackHint`.
export function buildInvalidFileError(
  display: string,
  diagnostics: readonly Diagnostic[],
  fallbackHint: string,
): HsmError {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const single = errors.length === 1 && errors[0]!.hint ? errors[0]! : null;
  return new HsmError('config', `${display} is invalid (${plural(errors.length, 'error')})`, {
    evidence: errors.map((d) => formatDiagnostic(d === single ? { ...d, hint: undefined } : d)).join('\n'),
    hint: single ? single.hint : fallbackHint,
    details: { diagnostics },
  });
}

// The source line at `line` with a caret under `col`, for errors a user must see in context.
export function buildExcerpt(text: string, line: number, col: number): string | undefined {
  const source = text.split(/\r?\n/)[line - 1];
  if (source === undefined) return undefined;
  const gutter = String(line);
  return `${gutter} | ${source}\n${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(0, col - 1))}^`;
}

// The candidate nearest to `word` by edit distance, if it is close enough to be a likely typo.
export function suggestNearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(Math.max(word.length, 2) / 3));
  return bestDistance <= limit || (best !== undefined && isPrefixTypo(word, best)) ? best : undefined;
}

function isPrefixTypo(word: string, candidate: string): boolean {
  return word.length >= 3 && candidate.toLowerCase().startsWith(word.toLowerCase());
}

// Damerau-Levenshtein (optimal string alignment): a swapped pair of letters counts as one edit.
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

// "did you mean `grid`?" or a list of the valid keys, for an unknown key.
export function describeUnknownKey(
  word: string,
  valid: readonly string[],
): { message: string; hint: string } {
  const near = suggestNearest(word, valid);
  return {
    message: near ? `unknown key \`${word}\`; did you mean \`${near}\`?` : `unknown key \`${word}\``,
    hint: `valid keys here: ${valid.map((k) => `\`${k}\``).join(', ')}`,
  };
}

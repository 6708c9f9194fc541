import { HsmError } from '../domain/errors.js';
import type { ResultKey, ResultSelection } from '../state/results-json.js';

// `--where 'lr>0.01, loss<=0.3'` and `--sort KEY` over result rows. A key is a metric, a parameter,
// `status` or `name`; `params.x` / `metrics.x` choose when a metric and a parameter share a name.

export interface ResultRow {
  name: string;
  status: string;
  params: Record<string, unknown>;
  metrics: Record<string, unknown> | null;
}

export type Comparison = '>' | '>=' | '<' | '<=' | '=' | '!=';
export interface Condition {
  key: string;
  op: Comparison;
  value: string | number | boolean | null;
}

const CONDITION = /^\s*([A-Za-z_][\w.-]*)\s*(>=|<=|!=|==|=|>|<)\s*(.*?)\s*$/;

export function parseWhere(expression: string): Condition[] {
  const parts = expression.split(/\s*(?:,|&&|\band\b)\s*/).filter((p) => p.trim() !== '');
  if (parts.length === 0) throw whereError(expression, 'it is empty');
  return parts.map((part) => {
    const m = CONDITION.exec(part);
    if (!m || m[3] === '' || /^[<>=!]/.test(m[3]!))
      throw whereError(expression, `"${part.trim()}" is not KEY OP VALUE`);
    const op = (m[2] === '==' ? '=' : m[2]) as Comparison;
    return { key: m[1]!, op, value: parseValue(m[3]!) };
  });
}

function parseValue(text: string): Condition['value'] {
  const quoted = /^(['"])(.*)\1$/.exec(text);
  if (quoted) return quoted[2]!;
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null') return null;
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

function whereError(expression: string, why: string): HsmError {
  return new HsmError('usage', `--where ${JSON.stringify(expression)}: ${why}`, {
    hint: "write conditions as KEY OP VALUE joined by commas, e.g. --where 'lr>0.01, status=completed' (OP: > >= < <= = !=)",
  });
}

/**
 * Which value a key names: `metrics.x` / `params.x`, else a metric when some task has one of that
 * name, else a parameter, else `status` or `name`; null for none (`has`: whether some task listed
 * has it).
 */
export function resolveResultKey(
  key: string,
  has: (kind: 'params' | 'metrics', name: string) => boolean,
): ResultKey | null {
  if (key.startsWith('metrics.')) return { in: 'metrics', name: key.slice(8) };
  if (key.startsWith('params.')) return { in: 'params', name: key.slice(7) };
  if (has('metrics', key)) return { in: 'metrics', name: key };
  if (has('params', key)) return { in: 'params', name: key };
  if (key === 'status' || key === 'name') return { in: 'task', name: key };
  return null;
}

/** Resolves a key against the rows: a function reading its value from a row. */
export function resolveKey(key: string, rows: readonly ResultRow[]): (row: ResultRow) => unknown {
  const resolved = resolveResultKey(key, (kind, k) =>
    kind === 'metrics'
      ? rows.some((r) => r.metrics !== null && k in r.metrics)
      : rows.some((r) => k in r.params),
  );
  if (resolved?.in === 'metrics') return (r) => r.metrics?.[resolved.name];
  if (resolved?.in === 'params') return (r) => r.params[resolved.name];
  if (resolved?.in === 'task') return (r) => r[resolved.name];
  const known = new Set<string>(['status', 'name']);
  for (const r of rows) {
    for (const k of Object.keys(r.params)) known.add(k);
    for (const k of Object.keys(r.metrics ?? {})) known.add(k);
  }
  throw new HsmError('usage', `no task has a metric or parameter named "${key}"`, {
    hint: `keys: ${[...known].slice(0, 30).join(', ')}`,
  });
}

export function filterRows(rows: readonly ResultRow[], conditions: readonly Condition[]): ResultRow[] {
  const tests = conditions.map((c) => ({ get: resolveKey(c.key, rows), c }));
  return rows.filter((r) => tests.every(({ get, c }) => holds(get(r), c.op, c.value)));
}

function holds(actual: unknown, op: Comparison, expected: Condition['value']): boolean {
  if (actual === undefined) return false;
  if (op === '=' || op === '!=') {
    const same =
      typeof expected === 'number' ? Number(actual) === expected : String(actual) === String(expected);
    return op === '=' ? same : !same;
  }
  const a = typeof actual === 'number' ? actual : typeof actual === 'string' ? Number(actual) : NaN;
  if (typeof expected !== 'number' || Number.isNaN(a)) {
    if (typeof actual !== 'string' || typeof expected !== 'string') return false;
    return compare(actual.localeCompare(expected), op);
  }
  return compare(a - expected, op);
}

function compare(diff: number, op: Comparison): boolean {
  switch (op) {
    case '>':
      return diff > 0;
    case '>=':
      return diff >= 0;
    case '<':
      return diff < 0;
    case '<=':
      return diff <= 0;
    case '=':
      return diff === 0;
    case '!=':
      return diff !== 0;
  }
}

// Sorts by a key, ascending (descending with `descending`); rows without the key go last either way.
// (state/results-json.ts orders the same way in SQLite.)
export function sortRows(rows: ResultRow[], key: string, descending = false): ResultRow[] {
  const get = resolveKey(key, rows);
  const keyed = rows.map((r) => ({ r, v: get(r) }));
  keyed.sort((x, y) => {
    const a = x.v;
    const b = y.v;
    if (a === undefined || a === null) return b === undefined || b === null ? 0 : 1;
    if (b === undefined || b === null) return -1;
    const d =
      typeof a === 'number' && typeof b === 'number'
        ? a - b
        : typeof a === 'number'
          ? -1
          : typeof b === 'number'
            ? 1
            : compareOthers(a, b);
    return descending ? -d : d;
  });
  return keyed.map((k) => k.r);
}

// Two values that are neither numbers nor null: as text.
function compareOthers(a: unknown, b: unknown): number {
  return String(a).localeCompare(String(b));
}

/**
 * `--where` and `--sort` as a selection the store makes itself (state/results-json.ts), the keys
 * resolved against every key of the sweep (`keys`) as filterRows and sortRows resolve them; null
 * for a key no task has (the rows' path names the keys there are).
 */
export function toResultSelection(
  conditions: readonly Condition[],
  sort: string | undefined,
  descending: boolean,
  keys: { params: readonly string[]; metrics: readonly string[] },
): ResultSelection | null {
  const has = (kind: 'params' | 'metrics', name: string) => keys[kind].includes(name);
  const where: ResultSelection['where'] = [];
  for (const c of conditions) {
    const key = resolveResultKey(c.key, has);
    if (key === null) return null;
    const expected = c.value;
    where.push({
      key,
      numeric: typeof expected === 'number' ? { op: c.op, value: expected } : null,
      test: (v) => holds(v, c.op, expected),
    });
  }
  if (sort === undefined) return { where, order: null };
  const key = resolveResultKey(sort, has);
  return key === null ? null : { where, order: { key, descending, compare: compareOthers } };
}

// The best completed task by a metric (the lowest with goal min, the highest with max), or null.
export function findBest(
  rows: readonly ResultRow[],
  metric: { name: string; goal: 'min' | 'max' },
): { task: string; value: number } | null {
  let best: { task: string; value: number } | null = null;
  for (const r of rows) {
    const v = r.metrics?.[metric.name];
    if (r.status !== 'completed' || typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (best === null || (metric.goal === 'min' ? v < best.value : v > best.value))
      best = { task: r.name, value: v };
  }
  return best;
}

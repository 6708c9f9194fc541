import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { parseTimeLimit } from '../domain/duration.js';
import { describeUnknownKey } from '../sweep/diagnostic.js';
import type { YamlContext } from '../sweep/yaml-context.js';
import { HsmError } from '../domain/errors.js';
import { NodeSet } from '../remote/nodeset/index.js';

// Readers of hsm_config.yaml fields: each reports a bad value at its file:line:col and returns
// null (or skips it) so that every problem of the file is reported at once.

// The entries of a mapping; a key not in `valid` (when it names any) is an error at its place, with
// the nearest valid key and the list, and is left out.
export function entries(ctx: YamlContext, node: unknown, valid: string[]): Map<string, Pair> {
  const out = new Map<string, Pair>();
  const map = ctx.resolve(node);
  if (map === null) return out;
  if (!isMap(map)) {
    ctx.report('error', map, `expected a mapping with keys ${valid.map((k) => `\`${k}\``).join(', ')}`);
    return out;
  }
  for (const pair of map.items as Pair[]) {
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    if (valid.length && !valid.includes(key)) {
      const { message, hint } = describeUnknownKey(key, valid);
      ctx.report('error', pair.key as Node, message, hint);
      continue;
    }
    out.set(key, pair);
  }
  return out;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

// The entries of a mapping of named things (sources, commands) whose names are simple words; each
// other name is reported (`what`: "source", `hint`: how it is used) and left out.
export function namedEntries(ctx: YamlContext, node: unknown, what: string, hint = ''): [string, Pair][] {
  const out: [string, Pair][] = [];
  for (const [name, pair] of entries(ctx, node, [])) {
    if (NAME.test(name)) out.push([name, pair]);
    else
      ctx.report(
        'error',
        pair.key as Node,
        `${what} name \`${name}\` is not a simple word`,
        `use letters, digits, \`.\`, \`_\` and \`-\`${hint}`,
      );
  }
  return out;
}

// A non-empty string or a non-empty list of them, trimmed (a command line or lines, a node set or
// sets); null for anything else, which the caller reports.
export function readLines(ctx: YamlContext, body: Node | null): string[] | null {
  const value = ctx.toValue(body);
  if (typeof value === 'string' && value.trim() !== '') return [value.trim()];
  if (
    isSeq(body) &&
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => typeof v === 'string' && v.trim() !== '')
  )
    return (value as string[]).map((v) => v.trim());
  return null;
}

export function readString(ctx: YamlContext, node: unknown, what: string): string | null {
  const n = ctx.resolve(node);
  const v = ctx.toValue(n);
  if (v === null) return null;
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  ctx.report('error', n, `\`${what}\` must be a string, got ${JSON.stringify(v)}`);
  return null;
}

export function readInt(ctx: YamlContext, node: unknown, what: string, min: number): number | null {
  const n = ctx.resolve(node);
  const v = ctx.toValue(n);
  if (v === null) return null;
  if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
  ctx.report('error', n, `\`${what}\` must be an integer of at least ${min}, got ${JSON.stringify(v)}`);
  return null;
}

export function readDuration(ctx: YamlContext, node: unknown, what: string): string | number | null {
  const n = ctx.resolve(node);
  const v = ctx.toValue(n);
  if (v === null) return null;
  if (typeof v === 'number' && v > 0) return v;
  if (typeof v === 'string') {
    try {
      parseTimeLimit(v);
      return v;
    } catch {
      /* reported below */
    }
  }
  ctx.report(
    'error',
    n,
    `\`${what}\` must be a duration longer than zero, got ${JSON.stringify(v)}`,
    'write seconds (90), units (90s, 5m, 1h30m) or HH:MM:SS',
  );
  return null;
}

// A node set written in the file (`groups:`, a command's `nodes:`): its syntax is checked here, so
// a typo is reported with the file's other problems; `@group` names are checked when used.
export function checkNodeSet(ctx: YamlContext, node: Node | null, expression: string, what: string): boolean {
  try {
    NodeSet.parse(expression, () => NodeSet.empty());
    return true;
  } catch (err) {
    if (!(err instanceof HsmError)) throw err;
    ctx.report('error', node, `${what}: ${err.message.replace(/\.$/, '')}`, err.hint);
    return false;
  }
}

import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import type { ParamValue } from '../domain/params.js';
import { parseDuration } from '../domain/duration.js';
import { HsmError } from '../domain/errors.js';
import { CommandSyntaxError, splitCommandWords } from '../sweep/command-words.js';
import { describeUnknownKey } from '../sweep/diagnostic.js';
import type { YamlContext } from '../sweep/yaml-context.js';
import type { Expectation, Placement } from './matrix-definition.js';

// Readers of the small fields a matrix file repeats at several levels (expect, env, args, source,
// resources, timeout), each reporting a problem at the value's file:line:col.

export function pairsOf(ctx: YamlContext, node: unknown, what: string): Map<string, Pair> | null {
  const n = ctx.resolve(node);
  if (!isMap(n)) {
    ctx.report('error', n, `${what} must be a mapping`);
    return null;
  }
  const out = new Map<string, Pair>();
  for (const pair of n.items as Pair[]) out.set(String(isScalar(pair.key) ? pair.key.value : pair.key), pair);
  return out;
}

export function refuseUnknown(ctx: YamlContext, pairs: Map<string, Pair>, valid: readonly string[]): void {
  for (const [key, pair] of pairs) {
    if (valid.includes(key)) continue;
    const { message, hint } = describeUnknownKey(key, valid);
    ctx.report('error', pair.key as Node, message, hint);
  }
}

export function readText(ctx: YamlContext, pair: Pair | undefined, what: string): string | null {
  if (!pair) return null;
  const v = ctx.toValue(pair.value);
  if (v === null) return null;
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  ctx.report('error', ctx.resolve(pair.value), `\`${what}\` must be a string`);
  return null;
}

export function readBoolean(
  ctx: YamlContext,
  pair: Pair | undefined,
  what: string,
  fallback: boolean,
): boolean {
  if (!pair) return fallback;
  const v = ctx.toValue(pair.value);
  if (typeof v === 'boolean') return v;
  ctx.report('error', ctx.resolve(pair.value), `\`${what}\` must be true or false, got ${JSON.stringify(v)}`);
  return fallback;
}

// A command or extra args: a string split like a shell would (nothing expanded), or a list of words.
export function readWords(ctx: YamlContext, pair: Pair | undefined, what: string): string[] | null {
  if (!pair) return null;
  const node = ctx.resolve(pair.value);
  if (isSeq(node)) {
    const words: string[] = [];
    for (const item of node.items) {
      const v = ctx.toValue(item);
      if (v === null || typeof v === 'object') {
        ctx.report('error', ctx.resolve(item), `each word of \`${what}\` must be a string`);
        return null;
      }
      words.push(String(v));
    }
    return words;
  }
  if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) {
    try {
      return splitCommandWords(String(node.value));
    } catch (err) {
      if (!(err instanceof CommandSyntaxError)) throw err;
      ctx.report(
        'error',
        node,
        `\`${what}\` cannot be split into words: ${err.message}`,
        'close the quote, or write a YAML list of words',
      );
      return null;
    }
  }
  ctx.report('error', node, `\`${what}\` must be a string or a list of words`);
  return null;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function readEnv(ctx: YamlContext, pair: Pair | undefined): Record<string, string> {
  if (!pair) return {};
  const pairs = pairsOf(ctx, pair.value, '`env`');
  const env: Record<string, string> = {};
  for (const [name, p] of pairs ?? []) {
    const v = ctx.toValue(p.value);
    if (!ENV_NAME.test(name))
      ctx.report(
        'error',
        p.key as Node,
        `\`env\` names ${JSON.stringify(name)}, which is not a variable name`,
        'use letters, digits and `_`, not starting with a digit',
      );
    else if (v === null || typeof v === 'object')
      ctx.report('error', ctx.resolve(p.value), `\`env.${name}\` must be a string, number or boolean`);
    else env[name] = String(v);
  }
  return env;
}

export function readExpect(ctx: YamlContext, pair: Pair | undefined): Expectation | null {
  if (!pair) return null;
  const pairs = pairsOf(ctx, pair.value, '`expect`');
  if (!pairs) return null;
  refuseUnknown(ctx, pairs, ['exit_code', 'reason']);
  const out: Expectation = {};
  const code = pairs.get('exit_code');
  if (code) {
    const v = ctx.toValue(code.value);
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255) out.exit_code = v;
    else
      ctx.report(
        'error',
        ctx.resolve(code.value),
        `\`expect.exit_code\` must be an integer 0..255, got ${JSON.stringify(v)}`,
      );
  }
  const reason = pairs.get('reason');
  if (reason) {
    const v = ctx.toValue(reason.value);
    if (typeof v === 'string' && /^[a-z][a-z0-9_]*$/.test(v)) out.reason = v;
    else
      ctx.report(
        'error',
        ctx.resolve(reason.value),
        `\`expect.reason\` must be a reason name such as job_completed or heartbeat_timeout, got ${JSON.stringify(v)}`,
      );
  }
  if (out.exit_code === undefined && out.reason === undefined && pairs.size === 0)
    ctx.report('error', ctx.resolve(pair.value), '`expect` is empty', 'give `exit_code:`, `reason:` or both');
  return out;
}

// `source:`, `resources:`, `timeout:` and `retries:` of the file or of one entry.
export function readPlacement(ctx: YamlContext, pairs: Map<string, Pair>): Placement {
  const out: Placement = {};
  const source = readText(ctx, pairs.get('source'), 'source');
  if (source !== null) out.source = source;
  const res = pairs.get('resources');
  if (res) {
    const rp = pairsOf(ctx, res.value, '`resources`');
    if (rp) {
      out.resources = {};
      for (const [k, p] of rp) out.resources[k] = ctx.toValue(p.value);
    }
  }
  const timeout = readText(ctx, pairs.get('timeout'), 'timeout');
  if (timeout !== null) {
    try {
      if (parseDuration(timeout) <= 0) throw new HsmError('usage', 'zero');
      out.timeout = timeout;
    } catch (err) {
      if (!(err instanceof HsmError)) throw err;
      ctx.report(
        'error',
        ctx.resolve(pairs.get('timeout')!.value),
        `\`timeout\` must be a duration longer than zero (90s, 5m, 01:00:00), got ${JSON.stringify(timeout)}`,
      );
    }
  }
  const retries = pairs.get('retries');
  if (retries) {
    const v = ctx.toValue(retries.value);
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 100) out.retries = v;
    else
      ctx.report(
        'error',
        ctx.resolve(retries.value),
        `\`retries\` must be a whole number 0..100, got ${JSON.stringify(v)}`,
      );
  }
  return out;
}

export function isPlainValue(v: ParamValue): boolean {
  return v === null || typeof v !== 'object';
}

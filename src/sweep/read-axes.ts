import { isMap, isScalar, isSeq, type Node, type YAMLSeq } from 'yaml';
import type { ParamValue } from '../domain/params.js';
import { noteIntegralFloat, type SweepAxes } from './axes.js';
import { canonicalJson } from './canonical-json.js';
import { isValidParamName, PARAM_NAME_RULE } from './param-name.js';
import { isFloatLiteral, type YamlContext } from './yaml-context.js';
import { findInexactNumber, INEXACT_HINT } from './exact-numbers.js';
import { plural } from '../domain/plural.js';

// Reads `grid:` and `paired:` into blocks (see axes.ts), reporting every problem at its
// file:line:col: scalars where lists belong, empty lists, bad names, a key in two places, unequal
// lengths in a paired group; warnings for single values, duplicates (dropped: two equal tasks
// would share one key) and mixed types.

interface ListEntry {
  key: string;
  keyNode: Node;
  list: YAMLSeq;
}

/** Where each param key was defined, to report a key defined twice. */
export type KeyOrigins = Map<string, string>;

export function readGrid(ctx: YamlContext, node: unknown, axes: SweepAxes, origins: KeyOrigins): void {
  const grid = ctx.resolve(node);
  if (grid === null) return;
  if (!isMap(grid)) {
    ctx.report(
      'error',
      grid,
      '`grid` must be a mapping of parameter names to lists of values',
      'e.g. grid: {seed: [1, 2, 3]}',
    );
    return;
  }
  for (const entry of collectLists(ctx, grid, '')) {
    if (!claimKey(ctx, origins, entry, 'grid')) continue;
    const values = readValues(ctx, axes, entry, true);
    if (values)
      axes.blocks.push({ kind: 'grid', group: null, keys: [entry.key], rows: values.map((v) => [v]) });
  }
}

export function readPaired(ctx: YamlContext, node: unknown, axes: SweepAxes, origins: KeyOrigins): void {
  const paired = ctx.resolve(node);
  if (paired === null) return;
  if (!isSeq(paired)) {
    ctx.report(
      'error',
      paired,
      '`paired` must be a list of groups',
      'e.g. paired: [{opt: {lr: [0.1, 0.01], warmup: [100, 10]}}]',
    );
    return;
  }
  for (const itemNode of paired.items) {
    const item = ctx.resolve(itemNode);
    if (!isMap(item) || item.items.length === 0) {
      ctx.report(
        'error',
        item,
        'each `paired` item must be a mapping with a group name whose value maps parameter names to lists',
        'e.g. - opt: {optimizer.lr: [0.1, 0.01], optimizer.warmup: [100, 10]}',
      );
      continue;
    }
    const groups: { name: string; nameNode: Node; body: Node }[] = [];
    for (const pair of item.items) {
      const name = String(isScalar(pair.key) ? pair.key.value : pair.key);
      const body = ctx.resolve(pair.value);
      if (!isMap(body) || body.items.length === 0) {
        ctx.report(
          'error',
          body ?? (pair.key as Node),
          `paired group \`${name}\` must map parameter names to lists of values`,
        );
        continue;
      }
      groups.push({ name, nameNode: pair.key as Node, body });
    }
    if (groups.length !== item.items.length) continue;
    if (groups.length > 1) {
      // HPC Sweep Manager zips every list of such an item together; so does hsm, so its sweep files
      // run unchanged. Separate groups (multiplied with each other) are separate list items.
      const names = groups.map((g) => `\`${g.name}\``).join(', ');
      ctx.report(
        'suggestion',
        groups[0]!.nameNode,
        `this \`paired\` item holds several group names (${names}): all their lists are zipped together as one group, as HPC Sweep Manager does`,
        `if you meant separate groups whose combinations multiply, make each its own list item: ${groups.map((g) => `\`- ${g.name}: ...\``).join(', ')}`,
      );
    }
    readPairedGroup(
      ctx,
      groups.map((g) => g.name).join('+'),
      groups.map((g) => g.body),
      groups[0]!.nameNode,
      axes,
      origins,
    );
  }
}

function readPairedGroup(
  ctx: YamlContext,
  group: string,
  bodies: Node[],
  groupNode: Node,
  axes: SweepAxes,
  origins: KeyOrigins,
): void {
  const columns: { entry: ListEntry; values: ParamValue[] }[] = [];
  for (const entry of bodies.flatMap((body) => collectLists(ctx, body, ''))) {
    if (!claimKey(ctx, origins, entry, `paired group \`${group}\``)) continue;
    const values = readValues(ctx, axes, entry, false);
    if (values) columns.push({ entry, values });
  }
  if (columns.length === 0) return;
  const lengths = columns.map((c) => c.values.length);
  if (lengths.some((n) => n !== lengths[0])) {
    const detail = columns.map((c) => `\`${c.entry.key}\` has ${c.values.length}`).join(', ');
    ctx.report(
      'error',
      groupNode,
      `paired group \`${group}\` has lists of different lengths: ${detail}`,
      'lists in a paired group are zipped, so they must have the same length',
    );
    return;
  }
  if (lengths[0] === 1)
    ctx.report(
      'warning',
      groupNode,
      `paired group \`${group}\` has a single value per key`,
      'these params are constants',
    );
  const rows: ParamValue[][] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lengths[0]!; i++) {
    const row = columns.map((c) => c.values[i]!);
    const text = canonicalJson(row);
    if (seen.has(text)) {
      ctx.report(
        'warning',
        groupNode,
        `paired group \`${group}\` repeats row ${i + 1} (${text}): the duplicate is dropped`,
      );
      continue;
    }
    seen.add(text);
    rows.push(row);
  }
  axes.blocks.push({ kind: 'paired', group, keys: columns.map((c) => c.entry.key), rows });
}

// Flattens nested mappings to dotted keys (YAML order), each ending in a list.
function collectLists(ctx: YamlContext, map: Node, prefix: string): ListEntry[] {
  const out: ListEntry[] = [];
  if (!isMap(map)) return out;
  for (const pair of map.items) {
    const keyNode = pair.key as Node;
    const raw = isScalar(keyNode) ? keyNode.value : null;
    const key = prefix + String(raw);
    if (typeof raw !== 'string' || !isValidParamName(key)) {
      ctx.report('error', keyNode, `invalid parameter name \`${key}\``, PARAM_NAME_RULE);
      continue;
    }
    const value = ctx.resolve(pair.value);
    if (isSeq(value)) out.push({ key, keyNode, list: value });
    else if (isMap(value)) {
      if (value.items.length === 0)
        ctx.report(
          'error',
          value,
          `\`${key}\` is an empty mapping`,
          'give it nested keys with lists, or remove it',
        );
      else out.push(...collectLists(ctx, value, key + '.'));
    } else {
      const isEmpty = value === null || (isScalar(value) && value.value === null && !value.source);
      const shown = isEmpty ? 'nothing' : `the scalar ${JSON.stringify(ctx.toValue(value))}`;
      ctx.report(
        'error',
        isEmpty ? keyNode : value,
        `\`${key}\` must be a list of values, got ${shown}`,
        `write a list, even for one value: \`${key.split('.').pop()}: [${isEmpty ? '...' : String(ctx.toValue(value))}]\``,
      );
    }
  }
  return out;
}

function claimKey(ctx: YamlContext, origins: KeyOrigins, entry: ListEntry, where: string): boolean {
  const previous = origins.get(entry.key);
  if (previous !== undefined) {
    ctx.report(
      'error',
      entry.keyNode,
      `\`${entry.key}\` is defined twice: in ${where} here and in ${previous}`,
      'define each parameter in one place only',
    );
    return false;
  }
  origins.set(entry.key, `${where} (${ctx.where(entry.keyNode)})`);
  return true;
}

// A list's values with YAML types; null when it cannot be used.
function readValues(
  ctx: YamlContext,
  axes: SweepAxes,
  entry: ListEntry,
  dedupe: boolean,
): ParamValue[] | null {
  const { key, list } = entry;
  if (list.items.length === 0) {
    ctx.report('error', list, `\`${key}\` is an empty list`, 'give it at least one value, or remove it');
    return null;
  }
  const values: ParamValue[] = [];
  const seen = new Map<string, { count: number; spellings: Set<string>; firstRepeat: Node | null }>();
  const kinds = new Set<string>();
  for (const item of list.items) {
    const node = ctx.resolve(item);
    const inexact = findInexactNumber(ctx, node);
    if (inexact) {
      ctx.report('error', inexact.node, `\`${key}\`: ${inexact.problem}`, INEXACT_HINT);
      continue;
    }
    const value = ctx.toValue(node);
    if (typeof value === 'number' && Number.isInteger(value) && isFloatLiteral(node))
      noteIntegralFloat(axes, key, value);
    if (value !== null) kinds.add(kindOf(value));
    const text = canonicalJson(value);
    const spelling = isScalar(node) && typeof node.source === 'string' ? node.source : text;
    const earlier = seen.get(text);
    if (earlier) {
      earlier.count++;
      earlier.spellings.add(spelling);
      earlier.firstRepeat ??= node;
      if (dedupe) continue;
      ctx.report('warning', node, `\`${key}\` lists ${text} twice`);
    } else seen.set(text, { count: 1, spellings: new Set([spelling]), firstRepeat: null });
    values.push(value);
  }
  const repeated = [...seen].filter(([, v]) => v.count > 1);
  if (dedupe && repeated.length > 0) {
    // One plain sentence for the result (the copies are dropped: equal tasks would share one key).
    const what = repeated.map(([text, v]) => `${text} ${timesWord(v.count)}`).join(' and ');
    const count = plural(values.length, 'value');
    const respelled = repeated.filter(([, v]) => v.spellings.size > 1).map(([, v]) => [...v.spellings]);
    ctx.report(
      'warning',
      repeated[0]![1].firstRepeat,
      `\`${key}\` lists ${what}: ${values.length === 1 ? `${count}, a constant` : count} (each value counts once)`,
      respelled.length > 0
        ? `${respelled.map((sp) => listWords(sp.map((w) => `\`${w}\``))).join('; ')} are the same number in YAML 1.2, which hsm reads (HPC Sweep Manager, on YAML 1.1, read \`1e-3\` as a string); list each value once`
        : 'list each value once',
    );
  } else if (dedupe && values.length === 1) {
    ctx.report(
      'warning',
      list,
      `\`${key}\` has a single value`,
      'a single value is a constant: fine, but it could be left out of the sweep',
    );
  }
  if (kinds.size > 1)
    ctx.report(
      'warning',
      list,
      `\`${key}\` mixes value types (${[...kinds].join(', ')})`,
      'check for a quoted number or a typo',
    );
  return values;
}

function timesWord(n: number): string {
  return n === 2 ? 'twice' : n === 3 ? 'three times' : `${n} times`;
}

// `a`, `a and b`, `a, b and c`.
function listWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

function kindOf(value: ParamValue): string {
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object' && value !== null) return 'mapping';
  return typeof value;
}

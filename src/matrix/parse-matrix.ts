import { isMap, isSeq, type Node, type Pair } from 'yaml';
import { MAX_SWEEP_NAME_LENGTH, sweepIdProblem } from '../domain/sweep-id.js';
import { hasErrors, suggestNearest, type Diagnostic } from '../sweep/diagnostic.js';
import { listPlaceholders } from '../sweep/render-argv.js';
import { formatPlainValue } from '../sweep/hydra-value.js';
import { YamlContext } from '../sweep/yaml-context.js';
import {
  DEFAULT_SUMMARY_PATTERN,
  type AxisEntry,
  type MatrixAxis,
  type MatrixDefinition,
  type ReasonRules,
} from './matrix-definition.js';
import {
  isPlainValue,
  pairsOf,
  readBoolean,
  readEnv,
  readExpect,
  readPlacement,
  readText,
  readWords,
  refuseUnknown,
} from './read-matrix-fields.js';

// Matrix file text -> MatrixDefinition, every problem a diagnostic at file:line:col (the sweep
// file's YAML machinery). Pure: api/ reads the file and decides what to throw.

const TOP_KEYS = [
  'name',
  'description',
  'command',
  'source',
  'resources',
  'timeout',
  'retries',
  'expect',
  'axes',
  'reasons',
];
const ENTRY_KEYS = [
  'value',
  'description',
  'args',
  'env',
  'ci',
  'expect',
  'source',
  'resources',
  'timeout',
  'retries',
];
const AXIS_KEYS = ['values', 'resource'];
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const AXIS_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface ParseMatrixResult {
  definition: MatrixDefinition | null;
  diagnostics: Diagnostic[];
}

export function parseMatrixText(
  text: string,
  options: { file?: string | null; displayFile?: string; fallbackName?: string } = {},
): ParseMatrixResult {
  const ctx = new YamlContext(text, options.displayFile ?? options.file ?? undefined);
  if (hasErrors(ctx.diagnostics)) return { definition: null, diagnostics: ctx.diagnostics };
  const root = ctx.resolve(ctx.doc.contents);
  if (!isMap(root)) {
    ctx.report(
      'error',
      root,
      'a matrix file must be a mapping with `command:` and `axes:`',
      'see docs/matrix-files.md',
    );
    return { definition: null, diagnostics: ctx.diagnostics };
  }
  const top = pairsOf(ctx, root, 'the matrix file')!;
  refuseUnknown(ctx, top, TOP_KEYS);
  const name = readName(ctx, top.get('name'), options.fallbackName ?? 'matrix');
  const command = readWords(ctx, top.get('command'), 'command');
  if (!top.has('command'))
    ctx.report(
      'error',
      root,
      'the matrix file has no `command:`',
      'e.g. `command: python train.py --recipe {recipe}`',
    );
  else if (command?.length === 0)
    ctx.report('error', ctx.resolve(top.get('command')!.value), '`command` is empty');
  const axes = readAxes(ctx, top.get('axes'), root);
  const names = axes.map((a) => a.name);
  for (const key of listPlaceholders(command ?? [])) {
    if (names.includes(key)) continue;
    const near = suggestNearest(key, names);
    ctx.report(
      'error',
      ctx.resolve(top.get('command')!.value),
      `the command's placeholder \`{${key}}\` names no axis${near ? `; did you mean \`{${near}}\`?` : ''}`,
      `axes: ${names.join(', ') || 'none'}`,
    );
  }
  const rules = readRules(ctx, top.get('reasons'));
  const definition: MatrixDefinition = {
    file: options.file ?? null,
    name,
    description: readText(ctx, top.get('description'), 'description'),
    command: command ?? [],
    placement: readPlacement(ctx, top),
    expect: readExpect(ctx, top.get('expect')),
    axes,
    rules,
  };
  // file order, so a reader goes top to bottom
  const at = (d: Diagnostic) => (d.line ?? 0) * 1e6 + (d.col ?? 0);
  ctx.diagnostics.sort((a, b) => at(a) - at(b));
  return { definition: hasErrors(ctx.diagnostics) ? null : definition, diagnostics: ctx.diagnostics };
}

function readName(ctx: YamlContext, pair: Pair | undefined, fallback: string): string {
  const value = readText(ctx, pair, 'name');
  if (value === null)
    return fallback.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'matrix';
  const problem = sweepIdProblem(value, 'name');
  if (problem)
    ctx.report(
      'error',
      ctx.resolve(pair!.value),
      `\`name\` starts the matrix id and ${problem}`,
      `e.g. \`name: release\` (at most ${MAX_SWEEP_NAME_LENGTH} characters)`,
    );
  return value;
}

function readAxes(ctx: YamlContext, pair: Pair | undefined, root: Node): MatrixAxis[] {
  if (!pair) {
    ctx.report(
      'error',
      root,
      'the matrix file has no `axes:`',
      'e.g. `axes: {recipe: [a, b], condition: {normal: {expect: {exit_code: 0}}}}`',
    );
    return [];
  }
  const pairs = pairsOf(ctx, pair.value, '`axes`');
  if (!pairs) return [];
  if (pairs.size === 0)
    ctx.report('error', ctx.resolve(pair.value), '`axes` is empty', 'name at least one axis');
  const axes: MatrixAxis[] = [];
  for (const [name, p] of pairs) {
    if (!AXIS_NAME.test(name)) {
      ctx.report(
        'error',
        p.key as Node,
        `axis name ${JSON.stringify(name)} is not a plain name`,
        'use letters, digits and `_` (it is the `{placeholder}` in the command)',
      );
      continue;
    }
    const entries = readAxisEntries(ctx, name, p.value);
    if (entries.length === 0)
      ctx.report('error', ctx.resolve(p.value) ?? (p.key as Node), `axis \`${name}\` has no values`);
    const seen = new Set<string>();
    for (const e of entries) {
      if (seen.has(e.label))
        ctx.report('error', ctx.resolve(p.value), `axis \`${name}\` has the value \`${e.label}\` twice`);
      seen.add(e.label);
    }
    axes.push({ name, entries });
  }
  return axes;
}

function readAxisEntries(ctx: YamlContext, axis: string, node: unknown): AxisEntry[] {
  const n = ctx.resolve(node);
  if (isSeq(n)) return readPlainValues(ctx, axis, n.items, null);
  if (!isMap(n)) {
    ctx.report('error', n, `axis \`${axis}\` must be a list of values or a mapping of named entries`);
    return [];
  }
  const pairs = pairsOf(ctx, n, `axis \`${axis}\``)!;
  if (pairs.has('values')) {
    refuseUnknown(ctx, pairs, AXIS_KEYS);
    const values = ctx.resolve(pairs.get('values')!.value);
    if (!isSeq(values)) {
      ctx.report('error', values, `\`axes.${axis}.values\` must be a list`);
      return [];
    }
    return readPlainValues(ctx, axis, values.items, readText(ctx, pairs.get('resource'), 'resource'));
  }
  const entries: AxisEntry[] = [];
  for (const [label, p] of pairs) {
    if (!LABEL.test(label)) {
      ctx.report(
        'error',
        p.key as Node,
        `entry name ${JSON.stringify(label)} of axis \`${axis}\` cannot be part of a job name`,
        'use letters, digits, `.` and `-`, starting with a letter or digit',
      );
      continue;
    }
    const body = ctx.resolve(p.value);
    const fields = body === null ? new Map<string, Pair>() : pairsOf(ctx, body, `entry \`${axis}.${label}\``);
    if (!fields) continue;
    refuseUnknown(ctx, fields, ENTRY_KEYS);
    const value = fields.has('value') ? ctx.toValue(fields.get('value')!.value) : label;
    if (!isPlainValue(value))
      ctx.report(
        'error',
        ctx.resolve(fields.get('value')!.value),
        `\`${axis}.${label}.value\` must be a plain value (string, number, boolean)`,
      );
    entries.push({
      label,
      value,
      description: readText(ctx, fields.get('description'), 'description'),
      args: readWords(ctx, fields.get('args'), 'args') ?? [],
      env: readEnv(ctx, fields.get('env')),
      ci: readBoolean(ctx, fields.get('ci'), 'ci', true),
      expect: readExpect(ctx, fields.get('expect')),
      ...readPlacement(ctx, fields),
    });
  }
  return entries;
}

// A list of plain values; with `resource: FIELD`, each value is also that field of the job's source.
function readPlainValues(
  ctx: YamlContext,
  axis: string,
  items: unknown[],
  resource: string | null,
): AxisEntry[] {
  const out: AxisEntry[] = [];
  for (const item of items) {
    const value = ctx.toValue(item);
    const label = formatPlainValue(value);
    if (!isPlainValue(value) || !LABEL.test(label)) {
      ctx.report(
        'error',
        ctx.resolve(item),
        `value ${JSON.stringify(value)} of axis \`${axis}\` cannot be part of a job name`,
        'use plain words or numbers, or a named entry: `name: {value: ...}`',
      );
      continue;
    }
    out.push({
      label,
      value,
      description: null,
      args: [],
      env: {},
      ci: true,
      expect: null,
      ...(resource ? { resources: { [resource]: value } } : {}),
    });
  }
  return out;
}

function readRules(ctx: YamlContext, pair: Pair | undefined): ReasonRules {
  const rules: ReasonRules = { summary: DEFAULT_SUMMARY_PATTERN, patterns: [], restarts: null };
  if (!pair) return rules;
  const pairs = pairsOf(ctx, pair.value, '`reasons`');
  if (!pairs) return rules;
  refuseUnknown(ctx, pairs, ['summary', 'patterns', 'restarts']);
  const regex = (p: Pair | undefined, what: string): string | null => {
    const text = readText(ctx, p, what);
    if (text === null) return null;
    try {
      new RegExp(text);
      return text;
    } catch (err) {
      ctx.report(
        'error',
        ctx.resolve(p!.value),
        `\`${what}\` is not a valid regular expression: ${(err as Error).message}`,
      );
      return null;
    }
  };
  rules.summary = regex(pairs.get('summary'), 'reasons.summary') ?? rules.summary;
  rules.restarts = regex(pairs.get('restarts'), 'reasons.restarts');
  const list = pairs.get('patterns');
  if (list) {
    const seq = ctx.resolve(list.value);
    if (!isSeq(seq))
      ctx.report('error', seq, '`reasons.patterns` must be a list of `{match: REGEX, reason: NAME}`');
    else
      for (const item of seq.items) {
        const fields = pairsOf(ctx, item, 'each of `reasons.patterns`');
        if (!fields) continue;
        refuseUnknown(ctx, fields, ['match', 'reason']);
        const match = regex(fields.get('match'), 'match');
        const reason = readText(ctx, fields.get('reason'), 'reason');
        if (match === null || reason === null || !/^[a-z][a-z0-9_]*$/.test(reason)) {
          ctx.report(
            'error',
            ctx.resolve(item),
            'each of `reasons.patterns` needs `match:` (a regular expression) and `reason:` (a name such as heartbeat_timeout)',
          );
          continue;
        }
        rules.patterns.push({ match, reason });
      }
  }
  return rules;
}

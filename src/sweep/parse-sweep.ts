import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { applyOverrides } from './apply-overrides.js';
import { countAxisTasks, emptyAxes, listAxisKeys } from './axes.js';
import { CommandSyntaxError, splitCommandWords } from './command-words.js';
import { describeUnknownKey, hasErrors, suggestNearest, type Diagnostic } from './diagnostic.js';
import { readGrid, readPaired, type KeyOrigins } from './read-axes.js';
import { listPlaceholders, type ArgsStyle } from './render-argv.js';
import { LARGE_SWEEP_TASKS, type SweepDefinition } from './sweep-definition.js';
import { YamlContext } from './yaml-context.js';
import { readMetric } from './sweep-metric.js';
import { MAX_SWEEP_NAME_LENGTH, sweepIdProblem } from '../domain/sweep-id.js';

// Sweep file text -> SweepDefinition, with every problem found as a diagnostic. Pure: the file
// loader (load-sweep.ts) reads the file and decides what to throw.

const TOP_KEYS = ['name', 'description', 'command', 'args', 'sweep', 'metadata', 'defaults', 'metric'];
const BLOCK_KEYS = ['grid', 'paired'];
const ARGS_STYLES: ArgsStyle[] = ['hydra', 'flags', 'none'];

export interface ParseSweepOptions {
  /** Absolute path, recorded in the definition. */
  file?: string | null;
  /** How diagnostics name the file (usually relative to the current directory). */
  displayFile?: string;
  overrides?: readonly string[];
  defaultCommand?: readonly string[] | null;
}

export interface ParseSweepResult {
  definition: SweepDefinition | null;
  diagnostics: Diagnostic[];
}

export function parseSweepText(text: string, options: ParseSweepOptions = {}): ParseSweepResult {
  const ctx = new YamlContext(text, options.displayFile ?? options.file ?? undefined);
  if (hasErrors(ctx.diagnostics)) return { definition: null, diagnostics: ctx.diagnostics };
  const root = ctx.resolve(ctx.doc.contents);
  if (root === null) {
    ctx.report(
      'error',
      null,
      'the sweep file is empty',
      'start from: `command: python train.py` and `sweep: {grid: {seed: [1, 2, 3]}}`, or run `hsm init`',
    );
    return { definition: null, diagnostics: ctx.diagnostics };
  }
  if (!isMap(root)) {
    ctx.report(
      'error',
      root,
      'the top level of a sweep file must be a mapping (name, command, args, sweep, ...)',
    );
    return { definition: null, diagnostics: ctx.diagnostics };
  }
  const top = pairsByKey(root.items as Pair[]);
  const hasSweepBlock = top.has('sweep');
  const validTop = hasSweepBlock ? TOP_KEYS : [...TOP_KEYS, ...BLOCK_KEYS];
  for (const [key, pair] of top) {
    if (validTop.includes(key)) continue;
    if (BLOCK_KEYS.includes(key)) {
      ctx.report(
        'error',
        pair.key as Node,
        `\`${key}\` must go under \`sweep:\` when the file has a \`sweep:\` block`,
      );
    } else reportUnknown(ctx, key, pair, validTop);
  }

  const axes = emptyAxes();
  const origins: KeyOrigins = new Map();
  let block: Map<string, Pair> = top;
  if (hasSweepBlock) {
    const sweepNode = ctx.resolve(top.get('sweep')!.value);
    if (isMap(sweepNode)) {
      block = pairsByKey(sweepNode.items as Pair[]);
      for (const [key, pair] of block)
        if (!BLOCK_KEYS.includes(key)) reportUnknown(ctx, key, pair, BLOCK_KEYS);
    } else {
      if (sweepNode !== null)
        ctx.report('error', sweepNode, '`sweep` must be a mapping with `grid:` and/or `paired:`');
      block = new Map();
    }
  }
  if (block.has('grid')) readGrid(ctx, block.get('grid')!.value, axes, origins);
  if (block.has('paired')) readPaired(ctx, block.get('paired')!.value, axes, origins);
  applyOverrides(axes, options.overrides ?? [], ctx.diagnostics);

  const name = readName(ctx, top.get('name'));
  const metric = readMetric(ctx, top.get('metric'));
  const args = readArgs(ctx, top.get('args'));
  const command = readCommand(ctx, top.get('command'), options.defaultCommand ?? null);

  const keys = listAxisKeys(axes);
  if (command) {
    for (const key of listPlaceholders(command.words)) {
      if (keys.includes(key)) continue;
      const near = suggestNearest(key, keys);
      ctx.report(
        'error',
        command.node,
        `the command's placeholder \`{${key}}\` names no parameter${near ? `; did you mean \`{${near}}\`?` : ''}`,
        keys.length
          ? `parameters: ${keys.map((k) => `\`${k}\``).join(', ')}`
          : 'the sweep defines no parameters',
      );
    }
    if (args === 'none' && keys.length > 0 && listPlaceholders(command.words).length === 0) {
      ctx.report(
        'warning',
        top.get('args')?.value as Node,
        '`args: none` and no `{key}` placeholder in the command: every task runs the same argv',
      );
    }
  }
  const total = countAxisTasks(axes);
  if (keys.length === 0 && !hasErrors(ctx.diagnostics)) {
    ctx.report(
      'warning',
      root,
      'the sweep defines no parameters: it has exactly one task',
      'add `sweep: {grid: {...}}`',
    );
  }
  if (total > LARGE_SWEEP_TASKS) {
    ctx.report(
      'warning',
      null,
      `the sweep has ${total.toLocaleString('en-US')} tasks, over ${LARGE_SWEEP_TASKS.toLocaleString('en-US')}`,
      `\`hsm run\` asks for \`--max-tasks ${total}\` or \`--yes\` before creating it`,
    );
  }
  sortByPosition(ctx.diagnostics);
  if (hasErrors(ctx.diagnostics) || !command) return { definition: null, diagnostics: ctx.diagnostics };
  return {
    definition: {
      file: options.file ?? null,
      name,
      command: command.words,
      commandSource: command.source,
      args,
      axes,
      metadata: top.has('metadata') ? ctx.toValue(top.get('metadata')!.value) : null,
      defaults: top.has('defaults') ? ctx.toValue(top.get('defaults')!.value) : null,
      metric,
      raw: ctx.doc.toJS(),
      overrides: [...(options.overrides ?? [])],
    },
    diagnostics: ctx.diagnostics,
  };
}

// File order (then the overrides, which have no position), so a reader goes top to bottom.
function sortByPosition(diagnostics: Diagnostic[]): void {
  const at = (d: Diagnostic) => (d.line ?? Infinity) * 1e6 + (d.col ?? 0);
  diagnostics.sort((a, b) => at(a) - at(b));
}

function pairsByKey(items: Pair[]): Map<string, Pair> {
  const out = new Map<string, Pair>();
  for (const pair of items) out.set(String(isScalar(pair.key) ? pair.key.value : pair.key), pair);
  return out;
}

function reportUnknown(ctx: YamlContext, key: string, pair: Pair, valid: string[]): void {
  const { message, hint } = describeUnknownKey(key, valid);
  ctx.report('error', pair.key as Node, message, hint);
}

function readName(ctx: YamlContext, pair: Pair | undefined): string | null {
  if (!pair) return null;
  const value = ctx.toValue(pair.value);
  if (value === null) return null;
  const problem = typeof value === 'string' ? sweepIdProblem(value, 'name') : 'must be a word';
  if (typeof value !== 'string' || problem !== null) {
    const shown = JSON.stringify(value);
    ctx.report(
      'error',
      pair.value as Node,
      `\`name\` starts the sweep id (a directory name) and ${problem}: got ${shown.length > 80 ? `${shown.slice(0, 77)}..."` : shown}`,
      `use letters, digits, \`.\`, \`_\` and \`-\`, at most ${MAX_SWEEP_NAME_LENGTH} characters, e.g. \`name: lr-study\``,
    );
    return null;
  }
  return value;
}

function readArgs(ctx: YamlContext, pair: Pair | undefined): ArgsStyle {
  if (!pair) return 'hydra';
  const value = ctx.toValue(pair.value);
  if (typeof value === 'string' && (ARGS_STYLES as string[]).includes(value)) return value as ArgsStyle;
  const near = typeof value === 'string' ? suggestNearest(value, ARGS_STYLES) : undefined;
  ctx.report(
    'error',
    pair.value as Node,
    `\`args\` must be hydra, flags or none, got ${JSON.stringify(value)}${near ? `; did you mean \`${near}\`?` : ''}`,
    'hydra appends key=value, flags appends --key value, none appends nothing (use {key} placeholders)',
  );
  return 'hydra';
}

interface CommandRead {
  words: string[];
  source: 'sweep' | 'config';
  node: Node | null;
}

function readCommand(
  ctx: YamlContext,
  pair: Pair | undefined,
  fallback: readonly string[] | null,
): CommandRead | null {
  const node = pair ? ctx.resolve(pair.value) : null;
  if (!pair || node === null) {
    if (fallback && fallback.length > 0) return { words: [...fallback], source: 'config', node: null };
    ctx.report(
      'error',
      (pair?.key as Node | undefined) ?? null,
      'no command to run: the sweep file has no `command:` and hsm_config.yaml names no training script',
      'add `command: python train.py` to the sweep file, or `project: {training_script: train.py}` to hsm_config.yaml (`hsm init` writes one)',
    );
    return null;
  }
  let words: string[] = [];
  if (isSeq(node)) {
    for (const item of node.items) {
      const value = ctx.toValue(item);
      if (value === null || typeof value === 'object') {
        ctx.report('error', ctx.resolve(item), 'each word of a `command` list must be a string');
        return null;
      }
      words.push(String(value));
    }
  } else if (isScalar(node) && typeof node.value === 'string') {
    try {
      words = splitCommandWords(node.value);
    } catch (err) {
      if (!(err instanceof CommandSyntaxError)) throw err;
      ctx.report(
        'error',
        node,
        `\`command\` cannot be split into words: ${err.message}`,
        'close the quote, or write the command as a YAML list of words',
      );
      return null;
    }
  } else {
    ctx.report(
      'error',
      node,
      '`command` must be a string or a list of words',
      'e.g. command: python train.py',
    );
    return null;
  }
  if (words.length === 0) {
    ctx.report('error', node, '`command` is empty', 'e.g. command: python train.py');
    return null;
  }
  return { words, source: 'sweep', node };
}

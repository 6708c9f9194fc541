import type { ParamValue, Params } from '../domain/params.js';
import type { TaskSpec } from '../domain/task.js';
import { countAxisTasks, listAxisKeys } from './axes.js';
import { canonicalJson } from './canonical-json.js';
import { formatPlainValue, renderHydraValue, type IsIntegralFloat } from './hydra-value.js';
import { listPlaceholders } from './render-argv.js';
import type { SweepDefinition } from './sweep-definition.js';
import { buildKeyText, hashKeyText } from './task-key.js';

// Sweep definition -> tasks, in generation order: the cartesian product of the blocks with the
// first block varying slowest (grid outer, paired inner); `task_001` is the first combination.
// Everything that depends on one value alone (its canonical JSON for the key, its argv words) is
// computed once per value, not once per task, so 100,000 tasks take a fraction of a second.

// The number of tasks, without generating them.
export function countTasks(def: SweepDefinition): number {
  return countAxisTasks(def.axes);
}

// `task_001`: zero-padded to the width of the total, at least 3 digits.
export function formatTaskName(index: number, total: number): string {
  return `task_${String(index).padStart(Math.max(3, String(total).length), '0')}`;
}

interface CellText {
  key: string;
  value: ParamValue;
  canonical: string;
  appended: string[];
  plain: string;
}

// The first `limit` tasks (all by default). Pure and deterministic.
export function generateTasks(def: SweepDefinition, opts: { limit?: number } = {}): TaskSpec[] {
  const total = countTasks(def);
  const n = Math.max(0, Math.min(total, opts.limit ?? total));
  const keys = listAxisKeys(def.axes);
  const sortedKeys = [...keys].sort();
  const sortedSlot = sortedKeys.map((k) => keys.indexOf(k));
  const commandJson = JSON.stringify(def.command);
  const hasPlaceholders = listPlaceholders(def.command).length > 0;
  const blocks = def.axes.blocks.map((block) =>
    block.rows.map((row) => row.map((value, col) => buildCell(def, block.keys[col]!, value))),
  );
  const digits = new Array<number>(blocks.length).fill(0);
  const tasks: TaskSpec[] = [];
  for (let i = 0; i < n; i++) {
    const cells: CellText[] = [];
    for (let b = 0; b < blocks.length; b++) cells.push(...blocks[b]![digits[b]!]!);
    const params: Params = {};
    for (const cell of cells) params[cell.key] = cell.value;
    const canonical = `{${sortedSlot.map((s) => `${JSON.stringify(keys[s])}:${cells[s]!.canonical}`).join(',')}}`;
    const argv = hasPlaceholders ? fillPlaceholders(def.command, cells) : [...def.command];
    for (const cell of cells) argv.push(...cell.appended);
    tasks.push({
      index: i + 1,
      name: formatTaskName(i + 1, total),
      key: hashKeyText(buildKeyText(canonical, commandJson)),
      params,
      argv,
    });
    for (let b = blocks.length - 1; b >= 0; b--) {
      digits[b]!++;
      if (digits[b]! < blocks[b]!.length) break;
      digits[b] = 0;
    }
  }
  return tasks;
}

function buildCell(def: SweepDefinition, key: string, value: ParamValue): CellText {
  const set = def.axes.integralFloats.get(key);
  const isFloat: IsIntegralFloat = set ? (v) => set.has(v) : () => false;
  let appended: string[];
  switch (def.args) {
    case 'hydra':
      appended = [`${key}=${renderHydraValue(value, isFloat)}`];
      break;
    case 'flags':
      appended = Array.isArray(value)
        ? [`--${key}`, ...value.map((v) => formatPlainValue(v, isFloat))]
        : [`--${key}`, formatPlainValue(value, isFloat)];
      break;
    case 'none':
      appended = [];
      break;
  }
  return { key, value, canonical: canonicalJson(value), appended, plain: formatPlainValue(value, isFloat) };
}

function fillPlaceholders(command: readonly string[], cells: CellText[]): string[] {
  return command.map((word) =>
    word.includes('{')
      ? word.replace(
          /\{([A-Za-z_][A-Za-z0-9_-]*(?:[./][A-Za-z0-9_-]+)*)\}/g,
          (whole, key: string) => cells.find((c) => c.key === key)?.plain ?? whole,
        )
      : word,
  );
}

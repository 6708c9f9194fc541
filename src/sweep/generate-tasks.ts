import type { ParamValue, Params } from '../domain/params.js';
import type { TaskSpec } from '../domain/task.js';
import { countAxisTasks, listAxisKeys } from './axes.js';
import { canonicalJson } from './canonical-json.js';
import { formatPlainValue, type IsIntegralFloat } from './hydra-value.js';
import { fillWordTemplate, parseWordTemplate, renderParamWords } from './render-argv.js';
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
  /** `"key":<canonical JSON of the value>`, placed at the key's sorted position. */
  canonicalEntry: string;
  sortedPos: number;
  appended: string[];
  plain: string;
}

// The first `limit` tasks (all by default). Pure and deterministic.
export function generateTasks(def: SweepDefinition, opts: { limit?: number } = {}): TaskSpec[] {
  return [...iterateTasks(def, opts)];
}

// The same tasks one at a time, so a 100,000-task sweep can be stored without holding all of them.
export function* iterateTasks(def: SweepDefinition, opts: { limit?: number } = {}): Generator<TaskSpec> {
  const total = countTasks(def);
  const n = Math.max(0, Math.min(total, opts.limit ?? total));
  const keys = listAxisKeys(def.axes);
  const sortedPos = new Map([...keys].sort().map((k, i) => [k, i]));
  const commandJson = JSON.stringify(def.command);
  // The command's words with escapes resolved; the ones holding placeholders are filled per task.
  const templates = def.command.map(parseWordTemplate);
  const baseArgv = templates.map((t) => fillWordTemplate(t, () => undefined));
  const templated = templates.flatMap((t, w) => (t.some((p) => typeof p !== 'string') ? [w] : []));
  const blocks = def.axes.blocks.map((block) =>
    block.rows.map((row) =>
      row.map((value, col) => buildCell(def, block.keys[col]!, value, sortedPos.get(block.keys[col]!)!)),
    ),
  );
  const digits = new Array<number>(blocks.length).fill(0);
  const parts = new Array<string>(keys.length);
  for (let i = 0; i < n; i++) {
    const params: Params = {};
    const argv = [...baseArgv];
    const cells: CellText[] = [];
    for (let b = 0; b < blocks.length; b++) {
      for (const cell of blocks[b]![digits[b]!]!) {
        params[cell.key] = cell.value;
        parts[cell.sortedPos] = cell.canonicalEntry;
        for (const word of cell.appended) argv.push(word);
        cells.push(cell);
      }
    }
    for (const w of templated) {
      argv[w] = fillWordTemplate(templates[w]!, (key) => cells.find((c) => c.key === key)?.plain);
    }
    const key = hashKeyText(buildKeyText(`{${parts.join(',')}}`, commandJson));
    yield { index: i + 1, name: formatTaskName(i + 1, total), key, params, argv };
    for (let b = blocks.length - 1; b >= 0; b--) {
      digits[b]!++;
      if (digits[b]! < blocks[b]!.length) break;
      digits[b] = 0;
    }
  }
}

function buildCell(def: SweepDefinition, key: string, value: ParamValue, sortedPos: number): CellText {
  const set = def.axes.integralFloats.get(key);
  const isFloat: IsIntegralFloat = set ? (v) => set.has(v) : () => false;
  const appended = renderParamWords(def.args, key, value, isFloat);
  const canonicalEntry = `${JSON.stringify(key)}:${canonicalJson(value)}`;
  return { key, value, canonicalEntry, sortedPos, appended, plain: formatPlainValue(value, isFloat) };
}

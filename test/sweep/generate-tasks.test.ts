import { describe, expect, it } from 'vitest';
import { countTasks, generateTasks, parseSweepText, type SweepDefinition } from '../../src/sweep/index.js';

function define(text: string, overrides: string[] = []): SweepDefinition {
  const { definition, diagnostics } = parseSweepText(text, { displayFile: 'sweep.yaml', overrides });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  expect(errors).toEqual([]);
  return definition!;
}

describe('grid and paired expansion', () => {
  it('varies the first grid key slowest and puts paired groups inside the grid', () => {
    const def = define(`
command: python train.py
sweep:
  grid:
    seed: [1, 2]
    model: {hidden_size: [128, 256]}
  paired:
    - opt:
        optimizer.lr: [0.1, 0.01]
        optimizer.warmup: [100, 10]
`);
    expect(countTasks(def)).toBe(8);
    const tasks = generateTasks(def);
    expect(tasks.map((t) => t.params)).toEqual([
      { seed: 1, 'model.hidden_size': 128, 'optimizer.lr': 0.1, 'optimizer.warmup': 100 },
      { seed: 1, 'model.hidden_size': 128, 'optimizer.lr': 0.01, 'optimizer.warmup': 10 },
      { seed: 1, 'model.hidden_size': 256, 'optimizer.lr': 0.1, 'optimizer.warmup': 100 },
      { seed: 1, 'model.hidden_size': 256, 'optimizer.lr': 0.01, 'optimizer.warmup': 10 },
      { seed: 2, 'model.hidden_size': 128, 'optimizer.lr': 0.1, 'optimizer.warmup': 100 },
      { seed: 2, 'model.hidden_size': 128, 'optimizer.lr': 0.01, 'optimizer.warmup': 10 },
      { seed: 2, 'model.hidden_size': 256, 'optimizer.lr': 0.1, 'optimizer.warmup': 100 },
      { seed: 2, 'model.hidden_size': 256, 'optimizer.lr': 0.01, 'optimizer.warmup': 10 },
    ]);
    expect(Object.keys(tasks[0]!.params)).toEqual([
      'seed',
      'model.hidden_size',
      'optimizer.lr',
      'optimizer.warmup',
    ]);
    expect(tasks[0]!.name).toBe('task_001');
    expect(tasks[7]!.name).toBe('task_008');
    expect(tasks[0]!.argv).toEqual([
      'python',
      'train.py',
      'seed=1',
      'model.hidden_size=128',
      'optimizer.lr=0.1',
      'optimizer.warmup=100',
    ]);
  });

  it('multiplies paired groups with each other', () => {
    const def = define(`
command: run
sweep:
  paired:
    - a: {x: [1, 2], y: [3, 4]}
    - b: {z: [5, 6, 7]}
`);
    expect(generateTasks(def).map((t) => [t.params.x, t.params.y, t.params.z])).toEqual([
      [1, 3, 5],
      [1, 3, 6],
      [1, 3, 7],
      [2, 4, 5],
      [2, 4, 6],
      [2, 4, 7],
    ]);
  });

  it('reads a file without `sweep:` as if its top level were the sweep block', () => {
    const def = define('command: run\ngrid:\n  a: [1, 2]\npaired:\n  - g: {b: [x, y]}\n');
    expect(generateTasks(def).map((t) => t.params)).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
    ]);
  });

  it('keeps YAML types: ints, floats, strings that look like numbers, null, booleans, lists', () => {
    const def = define(`
command: run
sweep:
  grid:
    v: [1, 2.5, "1", null, true, [1, 2], {k: v}, 'null', '']
    w: [2.0, 1e3]
`);
    const tasks = generateTasks(def);
    expect(tasks.filter((_, i) => i % 2 === 0).map((t) => t.params.v)).toEqual([
      1,
      2.5,
      '1',
      null,
      true,
      [1, 2],
      { k: 'v' },
      'null',
      '',
    ]);
    expect(tasks.filter((_, i) => i % 2 === 0).map((t) => t.argv[1])).toEqual([
      'v=1',
      'v=2.5',
      "v='1'",
      'v=null',
      'v=true',
      'v=[1,2]',
      'v={k:v}',
      "v='null'",
      "v=''",
    ]);
    // Floats written with a fraction keep it in argv (Hydra reads `w=2` as an int, `w=2.0` as a float).
    expect(tasks.slice(0, 2).map((t) => t.argv[2])).toEqual(['w=2.0', 'w=1000.0']);
    expect(new Set(tasks.map((t) => t.key)).size).toBe(18);
  });

  it('zero-pads names to the width of the total, at least 3 digits', () => {
    const def = define(
      'command: run\ngrid:\n  a: [' + Array.from({ length: 1200 }, (_, i) => i).join(',') + ']\n',
    );
    const tasks = generateTasks(def, { limit: 2 });
    expect(tasks.map((t) => t.name)).toEqual(['task_0001', 'task_0002']);
    expect(tasks).toHaveLength(2);
  });

  it('a sweep without parameters has one task', () => {
    const def = define('command: python train.py\n');
    expect(generateTasks(def)).toMatchObject([
      { name: 'task_001', params: {}, argv: ['python', 'train.py'] },
    ]);
  });

  it('renders the argv of every args style: placeholders in their word, params appended by style', () => {
    const argvs = (args: string) =>
      generateTasks(
        define(
          `command: [run, 'out/{seed}/{name}']\nargs: ${args}\ngrid:\n  seed: [2.0]\n  name: ['a b']\n  layers: [[1, 2]]\n`,
        ),
      ).map((t) => t.argv);
    expect(argvs('hydra')).toEqual([['run', 'out/2.0/a b', 'seed=2.0', "name='a b'", 'layers=[1,2]']]);
    expect(argvs('flags')).toEqual([
      ['run', 'out/2.0/a b', '--seed', '2.0', '--name', 'a b', '--layers', '1', '2'],
    ]);
    expect(argvs('none')).toEqual([['run', 'out/2.0/a b']]);
  });
});

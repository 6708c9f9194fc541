import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeTaskKey, generateTasks, parseSweepText } from '../../src/sweep/index.js';

function keysByParams(text: string): Map<string, string> {
  const { definition } = parseSweepText(text);
  return new Map(
    generateTasks(definition!).map((t) => [JSON.stringify(Object.entries(t.params).sort()), t.key]),
  );
}

describe('task keys', () => {
  it('are hex, and the same as computeTaskKey on the params and command template', () => {
    const { definition } = parseSweepText('command: prog {a}\ngrid: {a: [1, "1", null, true]}\n');
    const tasks = generateTasks(definition!);
    for (const t of tasks) {
      expect(t.key).toMatch(/^[0-9a-f]{16}$/);
      expect(t.key).toBe(computeTaskKey(t.params, ['prog', '{a}']));
    }
    expect(new Set(tasks.map((t) => t.key)).size).toBe(4);
  });

  it('keep the keys of unchanged tasks when a value is added or keys are reordered', () => {
    const before = keysByParams('command: prog\ngrid:\n  a: [1, 2]\n  b: [x, y]\n');
    const after = keysByParams('command: prog\ngrid:\n  b: [y, x, z]\n  a: [2, 1, 3]\n');
    for (const [params, key] of before) expect(after.get(params)).toBe(key);
    expect(after.size).toBe(9);
  });

  it('change when the command changes, and ignore key order in nested values', () => {
    expect(computeTaskKey({ a: 1 }, ['p'])).not.toBe(computeTaskKey({ a: 1 }, ['q']));
    expect(computeTaskKey({ a: { x: 1, y: 2 }, b: 1 }, ['p'])).toBe(
      computeTaskKey({ b: 1, a: { y: 2, x: 1 } }, ['p']),
    );
    expect(computeTaskKey({ a: 1 }, ['p'])).not.toBe(computeTaskKey({ a: '1' }, ['p']));
  });

  // Existing sweeps find their tasks by these keys: a change of the key scheme would orphan every one
  // of them. These values were computed once; a test that must change them is a breaking change.
  it('are the same as they always were (golden keys)', () => {
    const { definition } = parseSweepText(`command: python train.py --out runs/{seed}
sweep:
  grid:
    seed: [1, 2]
    model: {hidden: [128]}
    lr: [0.001, 1.0]
  paired:
    - opt:
        name: [adam, "sgd momentum"]
        flag: [true, null]
`);
    expect(generateTasks(definition!).map((t) => [t.name, t.key])).toEqual([
      ['task_001', '6f2160a06b834b4b'],
      ['task_002', '01baf675f3bb59d3'],
      ['task_003', 'e25e1896bbb3dd06'],
      ['task_004', '94d68066f38e09b3'],
      ['task_005', 'f94a9c3d61fe91ad'],
      ['task_006', 'addacfbf5dc0a3c5'],
      ['task_007', '8040c913d153832f'],
      ['task_008', 'd89c17f7e20c9d8a'],
    ]);
    // and the scheme as documented: sha256 of {"command":<template words>,"params":<sorted keys>}, 16 hex
    const text =
      '{"command":["python","train.py","--out","runs/{seed}"],' +
      '"params":{"flag":true,"lr":0.001,"model.hidden":128,"name":"adam","seed":1}}';
    expect(createHash('sha256').update(text).digest('hex').slice(0, 16)).toBe('6f2160a06b834b4b');
  });
});

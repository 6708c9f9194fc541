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
});

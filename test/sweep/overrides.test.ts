import { describe, expect, it } from 'vitest';
import { generateTasks, parseOverride, parseSweepText } from '../../src/sweep/index.js';

const values = (o: string) => parseOverride(o).values.map((v) => v.value);

function paramsWith(text: string, overrides: string[]) {
  const { definition, diagnostics } = parseSweepText(text, { overrides });
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return generateTasks(definition!);
}

describe('Hydra-style overrides', () => {
  it('parses sweeps, choice, range and typed elements', () => {
    expect(values('seed=1,2,3')).toEqual([1, 2, 3]);
    expect(values('opt=choice(adam,sgd)')).toEqual(['adam', 'sgd']);
    expect(values('lr=range(0.1,0.4,0.1)')).toEqual([0.1, 0.2, 0.3]);
    expect(values('n=range(3)')).toEqual([0, 1, 2]);
    expect(values('n=range(5,1,-2)')).toEqual([5, 3]);
    expect(values('x=null')).toEqual([null]);
    expect(values('x=True')).toEqual([true]);
    expect(values("x='a b','c,d'")).toEqual(['a b', 'c,d']);
    expect(values('x=[1,2],[3]')).toEqual([[1, 2], [3]]);
    expect(values('x={a:1,b:[x]}')).toEqual([{ a: 1, b: ['x'] }]);
    expect(values('x=')).toEqual(['']);
    expect(values('x=a\\,b')).toEqual(['a,b']);
    expect(values('x=1e-3,inf')).toEqual([0.001, Infinity]);
    expect(parseOverride('+new=1')).toMatchObject({ op: 'set', key: 'new' });
    expect(parseOverride('~old')).toMatchObject({ op: 'delete', key: 'old' });
  });

  it('adds grid axes after the file grid and before paired groups, replaces an axis in place', () => {
    const file = 'command: prog\ngrid:\n  a: [1, 2]\n  b: [x]\npaired:\n  - g: {c: [5, 6]}\n';
    const tasks = paramsWith(file, ['a=9', 'seed=1,2', '+new=1.0']);
    expect(tasks.map((t) => t.params)).toEqual([
      { a: 9, b: 'x', seed: 1, new: 1, c: 5 },
      { a: 9, b: 'x', seed: 1, new: 1, c: 6 },
      { a: 9, b: 'x', seed: 2, new: 1, c: 5 },
      { a: 9, b: 'x', seed: 2, new: 1, c: 6 },
    ]);
    expect(tasks[0]!.argv).toEqual(['prog', 'a=9', 'b=x', 'seed=1', 'new=1.0', 'c=5']);
  });

  it('takes a paired key out of its group, and removes keys with ~', () => {
    const file = 'command: prog\npaired:\n  - g: {lr: [1, 2], wd: [0, 0]}\n';
    expect(paramsWith(file, ['lr=3']).map((t) => t.params)).toEqual([{ lr: 3, wd: 0 }]);
    expect(paramsWith(file, ['~lr']).map((t) => t.params)).toEqual([{ wd: 0 }]);
  });

  it('works without a sweep file section at all', () => {
    expect(paramsWith('command: prog\n', ['seed=1,2']).map((t) => t.argv)).toEqual([
      ['prog', 'seed=1'],
      ['prog', 'seed=2'],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { renderYaml } from '../../src/state/render-yaml.js';

// renderYaml writes long lists of numbers itself (the serial start of `hsm run` on a large grid):
// its output must be the bytes `yaml` writes, whatever the document around them.
const yamlOf = (v: unknown) => stringify(v, { lineWidth: 0 });
const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1,
  0.001,
  1e-7,
  -2.5e-12,
  1e21,
  1.5e300,
  123456789012345680000,
  2 ** 53 + 2,
  0.1 + 0.2,
  Number.MIN_VALUE,
  Number.MAX_VALUE,
  5e-324,
  100,
  3.0,
  1 / 3,
];

describe('renderYaml', () => {
  const documents: [string, unknown][] = [
    [
      'a grid axis of 1,000 integers (the bench sweep)',
      {
        name: 'bench',
        command: ['true', '{i}'],
        sweep: { grid: { i: range(1000, (i) => i + 1) } },
        hsm_resolved: { total: 1000 },
      },
    ],
    ['every kind of number', { sweep: { grid: { x: range(200, (i) => NUMBERS[i % NUMBERS.length]!) } } }],
    [
      'lists beside, before and after other values',
      {
        a: range(64, (i) => i),
        b: 'text',
        c: { d: range(100, (i) => i / 7), e: [1, 2, 3], f: range(65, (i) => -i) },
        g: null,
      },
    ],
    [
      'a mapping inside lists',
      { paired: [{ lr: range(70, (i) => i * 0.01) }, [{ seed: range(80, (i) => i) }]] },
    ],
    [
      'keys yaml quotes',
      { true: range(70, (i) => i), null: range(70, (i) => i), '1e3': range(70, (i) => i) },
    ],
    [
      'keys it may not take',
      { 'a key': range(70, (i) => i), '-x': range(70, (i) => i), '': range(70, (i) => i) },
    ],
    [
      'lists it leaves to yaml',
      {
        short: range(63, (i) => i),
        mixed: [...range(70, (i) => i), 'x'],
        inf: [...range(70, (i) => i), Infinity],
        nan: [...range(70, (i) => i), NaN],
        nested: [range(70, (i) => i)],
      },
    ],
    ['a top-level list', range(100, (i) => i)],
    ['a value that looks like the placeholder', { s: 'hsm-list-000000000000-0', t: range(70, (i) => i) }],
  ];
  for (const [what, doc] of documents)
    it(`writes what yaml writes: ${what}`, () => {
      expect(renderYaml(doc)).toBe(yamlOf(doc));
      expect(parse(renderYaml(doc))).toEqual(parse(yamlOf(doc)));
    });

  it('leaves a list met twice (an alias read back) to yaml, which anchors it', () => {
    const list = range(70, (i) => i);
    const shared = { x: list };
    for (const doc of [
      { a: list, b: list },
      { a: shared, b: shared },
      { a: { x: list }, b: [list] },
    ]) {
      expect(renderYaml(doc)).toBe(yamlOf(doc));
      expect(renderYaml(doc)).toMatch(/&a1/);
    }
  });

  it('does not change the value it renders', () => {
    const doc = { sweep: { grid: { i: range(100, (i) => i) } } };
    const before = JSON.stringify(doc);
    renderYaml(doc);
    expect(JSON.stringify(doc)).toBe(before);
  });
});

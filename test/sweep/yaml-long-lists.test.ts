import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument, visit, type Document } from 'yaml';
import { parseWithLongLists } from '../../src/sweep/yaml-long-lists.js';
import { YamlContext } from '../../src/sweep/yaml-context.js';

// Long one-line lists are read without the `yaml` parser's cost per item: the document must be the
// one `yaml` makes of the same text, node for node (value, spelling, position, format), and anything
// doubtful must be left to `yaml`.

const OPTIONS = { prettyErrors: false, uniqueKeys: true };

// Every node of a document with what readers use of it, in document order.
function dump(doc: Document): unknown[] {
  const out: unknown[] = [];
  visit(doc, (key, node) => {
    const n = node as unknown as Record<string, unknown>;
    const value = n.value;
    out.push({
      key: typeof key === 'number' ? key : String(key),
      kind: (node as { constructor: { name: string } }).constructor.name,
      value:
        typeof value === 'bigint' || (typeof value === 'number' && !Number.isFinite(value))
          ? `${typeof value}:${String(value)}`
          : value !== null && typeof value === 'object'
            ? 'node'
            : value,
      ...Object.fromEntries(
        [
          'source',
          'type',
          'format',
          'minFractionDigits',
          'range',
          'flow',
          'comment',
          'commentBefore',
          'spaceBefore',
          'anchor',
          'tag',
        ]
          .filter((k) => n[k] !== undefined)
          .map((k) => [k, n[k]]),
      ),
    });
  });
  return out;
}

function slow(text: string): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  return { doc: parseDocument(text, { ...OPTIONS, lineCounter: lines }), lines };
}

function expectSame(text: string, minItems: number): boolean {
  const fast = parseWithLongLists(text, OPTIONS, minItems);
  if (fast === null) return false;
  const ref = slow(text);
  expect(dump(fast.doc)).toEqual(dump(ref.doc));
  expect(fast.lines.lineStarts).toEqual(ref.lines.lineStarts);
  expect(String(fast.doc)).toBe(String(ref.doc));
  return true;
}

const list = (values: string[], sep = ',') => `[${values.join(sep)}]`;
const ints = Array.from({ length: 1000 }, (_, i) => String(i + 1));

const SAME: [string, string][] = [
  ['1,000 integers', `name: s\nsweep:\n  grid:\n    i: ${list(ints)}\n`],
  [
    'every kind of plain word',
    `sweep:\n  grid:\n    v: ${list(
      [
        '1.50',
        '1e-3',
        '1.0e-3',
        '0.001',
        '0x1F',
        '0o17',
        '.inf',
        '-.inf',
        '.nan',
        '.NaN',
        'true',
        'False',
        'null',
        'NULL',
        'yes',
        'no',
        'on',
        'x',
        '_a',
        'a.b',
        '-1',
        '+2',
        '9007199254740993',
        '1e400',
        '1_000',
        '007',
        '-0',
        '1.',
        '.5',
        'abc-def',
      ],
      ', ',
    )}   # a comment\n    w: [1]\n`,
  ],
  ['blanks around items', `a: [  1 ,2  ,  3,4 ,5   ]\nb: 2\n`],
  ['nested and several lists', `a: [[1,2,3], [4, 5, 6]]\nb:\n  - [7,8,9]\n  - {x: [10, 11]}\n`],
  ['a list as a key', `? [1, 2, 3]\n: v\n`],
];

describe('parseWithLongLists', () => {
  for (const [name, text] of SAME) {
    it(`makes yaml's document, node for node: ${name}`, () => {
      expect(expectSame(text, 1)).toBe(true);
    });
  }

  it('reads a real grid of 1,000 values itself (the default threshold)', () => {
    const text = `name: s\ncommand: ["true", "{i}"]\nsweep:\n  grid:\n    i: ${list(ints)}\n    lr: ${list(
      ints.map((i) => `${i}e-4`),
      ', ',
    )}\n`;
    expect(expectSame(text, 64)).toBe(true);
    expect(parseWithLongLists(`a: ${list(ints.slice(0, 10))}\n`, OPTIONS)).toBeNull(); // short: yaml's
  });

  const LEFT_TO_YAML: [string, string][] = [
    ['a bracket inside a double-quoted string', `command: "echo ${list(ints.slice(0, 80))}"\n`],
    ['a bracket inside a single-quoted string', `command: 'echo ${list(ints.slice(0, 80))}'\n`],
    ['a bracket inside a comment', `a: 1 # ${list(ints.slice(0, 80))}\n`],
    ['a bracket inside a plain scalar', `command: run ${list(ints.slice(0, 80))}\n`],
    ['a bracket inside a block scalar', `script: |\n  ${list(ints.slice(0, 80))}\n`],
    ['an empty item', `a: [1,,${ints.slice(0, 80).join(',')}]\n`],
    ['a trailing comma', `a: [${ints.slice(0, 80).join(',')},]\n`],
    ['a file with an error elsewhere', `a: ${list(ints.slice(0, 80))}\nb: [\n`],
    ['a duplicate key elsewhere', `a: ${list(ints.slice(0, 80))}\na: 2\n`],
  ];
  for (const [name, text] of LEFT_TO_YAML) {
    it(`leaves ${name} to yaml`, () => {
      expect(parseWithLongLists(text, OPTIONS, 1)).toBeNull();
    });
  }

  it('makes the same document of every YAML file of the project', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (name === 'node_modules' || name.startsWith('.')) continue;
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.ya?ml$/.test(name)) files.push(p);
      }
    };
    for (const dir of ['test/fixtures', 'examples', 'docs']) walk(dir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      if (parseWithLongLists(text, OPTIONS, 1) !== null) expectSame(text, 1);
    }
  });

  it('gives the same diagnostics through YamlContext (positions included)', () => {
    const text = `sweep:\n  grid:\n    i: ${list(ints)}\n    j: ${list(ints)}\n  bogus: [1, 2]\n`;
    const ctx = new YamlContext(text, 'sweep.yaml');
    const seq = (ctx.doc.getIn(['sweep', 'grid', 'j'], true) as { items: unknown[] }).items;
    expect(ctx.position(seq[999] as never)).toEqual({
      line: 4,
      col: 5 + 1 + 3 + ints.slice(0, 999).join(',').length + 1,
    });
  });
});

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { HsmError } from '../../../src/domain/errors.js';
import { NodeSet, foldNodeSet } from '../../../src/remote/nodeset/index.js';
import { NO_INFRA } from '../test-infra.js';

// hsm's node sets against ClusterShell's own `nodeset` tool (Debian's clustershell, installed by
// scripts/infra/up.sh): a few hundred generated expressions (fixed seed) with multi-dimensional
// sets, zero padding, steps, digits next to brackets and all four operators must expand to the
// same names in the same order, fold to the same text and count the same.
//
// `nodeset` takes several arguments but prints their union, so each expression gets its own
// letters-only prefix (a prefix without digits adds no dimension): the union's names and folded
// terms then split back per expression, and three calls check them all.

const NODESET = '/usr/bin/nodeset';
const execFileAsync = promisify(execFile);
const available = existsSync(NODESET);
if (!available && !NO_INFRA)
  throw new Error(
    `${NODESET} is missing: install Debian's clustershell (scripts/infra/up.sh does), or set HSM_TEST_NO_INFRA=1 to leave this test out on purpose.`,
  );

// mulberry32: a small deterministic generator, so every run checks the same expressions.
function generator(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = generator(14);
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;

// A bracket range list of numbers in [min, max], `width` digits (0: unpadded); steps unless `noStep`.
function rangeList(width: number, min: number, noStep: boolean, max = 30): string {
  const pad = (n: number) => String(n).padStart(width, '0');
  const items: string[] = [];
  for (let i = int(1, 3); i > 0; i--) {
    const lo = int(min, max - 6);
    const kind = int(0, noStep ? 1 : 2);
    if (kind === 0) items.push(pad(lo));
    else if (kind === 1) items.push(`${pad(lo)}-${pad(int(lo, max))}`);
    else items.push(`${pad(lo)}-${pad(int(lo, max))}/${int(1, 4)}`);
  }
  return items.join(',');
}

// Name shapes, several per expression so that operands overlap; `w` is a zero-padding width.
const SHAPES: ((w: number) => string)[] = [
  (w) => `n[${rangeList(w, 0, false)}]`,
  (w) => `n${int(0, 30)}`.replace(/\d+$/, (d) => d.padStart(w, '0')),
  (w) => `r[${rangeList(0, 1, false)}]-n[${rangeList(w, 0, false)}]`,
  (w) => `r${int(1, 6)}-n[${rangeList(w, 0, false)}]`,
  (w) => `r[${rangeList(0, 1, true)}]-n${String(int(0, 9)).padStart(w, '0')}`,
  (w) => `x-[${rangeList(w, 0, false, 14)}]-[${rangeList(w, 0, false, 14)}]-ib[${rangeList(0, 0, false, 8)}]`,
  (w) => `gpu[${rangeList(w, 0, false)}].c${int(1, 2)}`,
  () => `n1[${rangeList(0, 0, false)}]`, // digits before a bracket join its range
  (w) => `n[${rangeList(w, 1, true)}]0`, // and digits after it (10-30/10)
  () => pick(['login', 'mgmt', 'login-a']),
];

function expression(tag: string): string {
  const shapes = Array.from({ length: int(1, 3) }, () => pick(SHAPES));
  const widths = shapes.map(() => pick([0, 0, 2, 3]));
  const operand = () => {
    const i = int(0, shapes.length - 1);
    return tag + shapes[i]!(random() < 0.85 ? widths[i]! : pick([0, 2]));
  };
  let text = operand();
  for (let n = int(0, 4); n > 0; n--) {
    const op = pick([',', ',', '!', '&', '^']);
    text += (random() < 0.15 ? ` ${op} ` : op) + operand();
  }
  return text;
}

function tagOf(i: number): string {
  let tag = '';
  for (let n = i, k = 0; k < 3; k++, n = Math.floor(n / 26)) tag = String.fromCharCode(97 + (n % 26)) + tag;
  return `q${tag}_`;
}

// operands and operators, alternating
const FIXED = [
  ['x-[025-028]-[11-22,025]'],
  ['n[1-5]', ',', 'n[3-4]', '!', 'n3'],
  ['n[1-3]', '^', 'n[2-5]', '&', 'n[1-4]'],
  ['n[9-11]', ',', 'n[09-10]'],
  ['n[09,13-114]'], // a run after a stepped start keeps its padding: n[09,13-99,100-114]
  ['n[1-9/4]', ',', 'n[10-12]', ',', 'n[013-015]'],
];
const COUNT = 400;
const expressions = [
  ...FIXED.map((parts, i) => ({
    tag: tagOf(i),
    text: parts.map((p, k) => (k % 2 === 0 ? tagOf(i) + p : p)).join(''),
  })),
  ...Array.from({ length: COUNT - FIXED.length }, (_, i) => ({
    tag: tagOf(FIXED.length + i),
    text: expression(tagOf(FIXED.length + i)),
  })),
];

// One call of `nodeset` with several expressions (their union).
async function nodeset(flag: string, args: string[]): Promise<string> {
  return (await execFileAsync(NODESET, [flag, '--', ...args], { maxBuffer: 1 << 26 })).stdout.trim();
}

// Splits a folded union at its top-level commas.
function terms(folded: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= folded.length; i++) {
    const ch = folded[i];
    if (ch === '[') depth++;
    else if (ch === ']') depth--;
    else if ((ch === ',' && depth === 0) || ch === undefined) {
      if (i > start) out.push(folded.slice(start, i));
      start = i + 1;
    }
  }
  return out;
}

function byTag(items: string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const item of items) {
    const tag = item.slice(0, 5);
    map.set(tag, [...(map.get(tag) ?? []), item]);
  }
  return map;
}

describe.skipIf(!available)('node sets against ClusterShell nodeset', () => {
  const texts = expressions.map((e) => e.text);
  let expanded = new Map<string, string[]>();
  let folded = new Map<string, string[]>();
  let count = -1;
  beforeAll(async () => {
    const [e, f, c] = await Promise.all([nodeset('-e', texts), nodeset('-f', texts), nodeset('-c', texts)]);
    expanded = byTag(e.split(/\s+/).filter(Boolean));
    folded = byTag(terms(f));
    count = Number(c);
  });
  const parsed = new Map<string, NodeSet>();
  const parse = (text: string) => parsed.get(text) ?? parsed.set(text, NodeSet.parse(text)).get(text)!;

  it(`expands ${COUNT} expressions to the same names, in the same order`, () => {
    const mismatches = expressions
      .map((e) => ({ e: e.text, hsm: parse(e.text).toArray(), nodeset: expanded.get(e.tag) ?? [] }))
      .filter((r) => JSON.stringify(r.hsm) !== JSON.stringify(r.nodeset));
    expect(mismatches.slice(0, 3)).toEqual([]);
    // the generator reaches every operator result, empty sets included
    expect(expressions.filter((e) => !expanded.has(e.tag)).length).toBeGreaterThan(0);
    expect(expanded.size).toBeGreaterThan(COUNT * 0.8);
  });

  it('folds them to the same text, from the expression and from the names in any order', () => {
    const mismatches = expressions
      .map((e) => {
        const names = parse(e.text).toArray();
        const shuffled = names.map((n) => ({ n, k: random() })).sort((a, b) => a.k - b.k);
        return {
          e: e.text,
          hsm: String(parse(e.text)),
          fromNames: foldNodeSet(shuffled.map((s) => s.n)),
          nodeset: (folded.get(e.tag) ?? []).join(','),
        };
      })
      .filter((r) => r.hsm !== r.nodeset || r.fromNames !== r.nodeset);
    expect(mismatches.slice(0, 3)).toEqual([]);
    // multi-dimensional sets fold to few terms: the example stays one term
    expect(folded.get(tagOf(0))).toEqual([`${tagOf(0)}x-[025-028]-[11-22,025]`]);
  });

  it('counts the same nodes', () => {
    expect(expressions.reduce((n, e) => n + parse(e.text).size, 0)).toBe(count);
  });

  it('refuses what nodeset refuses, pointing at the column', async () => {
    const cases: [string, string][] = [
      ['n[1-3', 'unclosed `[` at column 2'],
      ['n[1-3]]', 'unmatched `]` at column 7'],
      ['n[1][2]', 'a bracket group right after another at column 5'],
      ['n[5-3]', 'bad range `5-3` in `n[5-3]` (high before low) at column 3'],
      ['n[01-100]', 'bad range `01-100` in `n[01-100]` (bounds of different widths) at column 3'],
      ['n[1-3/2]0', 'digits `0` after a range with a step at column 9'],
      ['a,b!', 'nothing to exclude after `!` at column 4'],
      ['a&&b', 'nothing to intersect with after `&` at column 2'],
      ['^a', 'nothing (symmetric difference) before `^` at column 1'],
      ['n[2/2]', 'a step needs a range'],
    ];
    for (const [text, message] of cases) {
      let error: unknown;
      try {
        NodeSet.parse(text);
      } catch (err) {
        error = err;
      }
      expect(error, text).toBeInstanceOf(HsmError);
      expect((error as HsmError).message).toContain(message);
    }
    // one `nodeset` per case (it stops at the first bad argument), all at once
    const refused = await Promise.all(
      cases.map(([text]) =>
        execFileAsync(NODESET, ['-e', '--', text]).then(
          () => `accepted ${text}`,
          () => 'refused',
        ),
      ),
    );
    expect(refused).toEqual(cases.map(() => 'refused'));
  });
});

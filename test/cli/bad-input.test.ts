import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm as run, makeProject } from '../helpers/cli.js';

// no test may hang: a command that takes more than 20 s fails the test
const hsm = (args: string[], cwd: string) => run(args, cwd, {}, 20_000);

// Hostile or careless input: sweep ids and names that are not one plain directory name, YAML alias
// bombs. Each gets a one-paragraph error with exit 2, in well under a second, and nothing is written.

const GOOD = 'command: ["sh", "-c", "echo {i}"]\nargs: none\nsweep:\n  grid:\n    i: [1, 2]\n';

beforeAll(() => ensureBuilt());

function noStack(stderr: string): void {
  expect(stderr).not.toMatch(/at .*\.js:\d+|looks like a bug/);
}

describe('sweep ids and names', () => {
  for (const [id, why] of [
    ['../../escaped', /may contain only letters, digits/],
    ['.hidden', /may contain only letters, digits/],
    ['a/b', /may contain only letters, digits/],
    ['x'.repeat(300), /300 characters long; at most 100/],
  ] as const) {
    it(`--sweep-id ${id.length > 20 ? `(${id.length} characters)` : id}: exit 2, nothing created`, () => {
      const dir = makeProject(GOOD);
      const r = hsm(['run', '--sweep-id', id], dir);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).toMatch(/hint: a sweep id is one directory name/);
      noStack(r.stderr);
      expect(
        existsSync(join(dir, 'sweeps', 'outputs')) ? readdirSync(join(dir, 'sweeps', 'outputs')) : [],
      ).toEqual([]);
      expect(existsSync(join(dir, 'escaped'))).toBe(false);
      expect(existsSync(join(tmpdir(), 'escaped'))).toBe(false);
    });
  }

  it('a 300-character `name:` is caught by hsm validate with file:line:col, and hsm run refuses it', () => {
    const dir = makeProject(`name: ${'n'.repeat(300)}\n${GOOD}`);
    const v = hsm(['validate'], dir);
    expect(v.code).toBe(2);
    expect(v.stdout).toMatch(/sweeps\/sweep\.yaml:1:7: error: `name` .*300 characters long; at most 64/);
    const r = hsm(['run'], dir);
    expect(r.code).toBe(2);
    noStack(r.stderr);
    expect(
      existsSync(join(dir, 'sweeps', 'outputs')) ? readdirSync(join(dir, 'sweeps', 'outputs')) : [],
    ).toEqual([]);
  });

  it('a `name:` starting with a dot is caught by hsm validate', () => {
    const dir = makeProject(`name: .hidden\n${GOOD}`);
    const v = hsm(['validate'], dir);
    expect(v.code).toBe(2);
    expect(v.stdout).toMatch(/sweep\.yaml:1:7: error: `name` .*may contain only letters/);
  });

  it('an explicit --sweep-id that exists is refused', () => {
    const dir = makeProject(GOOD);
    expect(hsm(['run', '--sweep-id', 'same'], dir).code).toBe(0);
    const r = hsm(['run', '--sweep-id', 'same'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sweep same already exists/);
  });
});

// "Billion laughs": nine levels of nine aliases each, 9^9 (387 million) values once expanded.
const BOMB = [
  'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]',
  ...'bcdefghi'.split('').map((l, i) => `${l}: &${l} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`),
].join('\n');

describe('YAML alias bombs', () => {
  it('in a sweep file: hsm validate and hsm run fail at once with exit 2, naming the file and line', () => {
    const dir = makeProject(
      `metadata:\n${BOMB.replace(/^/gm, '  ')}\ncommand: echo\nsweep:\n  grid:\n    x: *i\n`,
    );
    for (const args of [['validate'], ['run'], ['show']]) {
      const r = hsm(args, dir);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout + r.stderr).toMatch(
        /sweep\.yaml:\d+:\d+: error: YAML aliases .* expand to more than 100,000 values/,
      );
      noStack(r.stderr);
    }
  });

  it('in hsm_config.yaml: every command fails at once with exit 2', () => {
    const dir = makeProject(GOOD, `${BOMB}\ndefaults:\n  output_dir: sweeps/outputs\n  jobs: *i\n`);
    for (const args of [['status'], ['validate']]) {
      const r = hsm(args, dir);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout + r.stderr).toMatch(
        /hsm_config\.yaml:\d+:\d+: error: YAML aliases .* expand to more than 100,000 values/,
      );
      noStack(r.stderr);
    }
  });

  it('aliases used as intended (a shared list, a few times) are fine', () => {
    const dir = makeProject(
      'command: ["sh", "-c", "echo {a} {b}"]\nargs: none\nsweep:\n  grid:\n    a: &v [1, 2, 3]\n    b: *v\n',
    );
    const r = hsm(['show', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { total: number }).total).toBe(9);
  });
});

// JSON (the store, status --json, show --json, results) cannot hold these numbers exactly: hsm refuses
// them instead of recording null or a rounded number while the argv says something else.
describe('numbers JSON cannot hold', () => {
  for (const [value, why] of [
    ['12345678901234567890', /integer 12345678901234567890 is beyond ±2\^53/],
    ['-9007199254740993', /integer -9007199254740993 is beyond ±2\^53/],
    ['.inf', /\.inf has no JSON form/],
    ['-.inf', /-\.inf has no JSON form/],
    ['.nan', /\.nan has no JSON form/],
    ['1e400', /1e400 has no JSON form/],
    ['[1, .inf]', /\.inf has no JSON form/],
  ] as const) {
    it(`${value} in a sweep file: exit 2 at file:line:col`, () => {
      const dir = makeProject(`command: echo\nsweep:\n  grid:\n    x: [1, ${value}]\n`);
      const v = hsm(['validate'], dir);
      expect(v.code, v.stdout).toBe(2);
      expect(v.stdout).toMatch(/sweep\.yaml:4:\d+: error: `x`: /);
      expect(v.stdout).toMatch(why);
      expect(v.stdout).toMatch(/quote it/);
      expect(hsm(['run'], dir).code).toBe(2);
    });
  }

  for (const [override, why] of [
    ['x=12345678901234567890', /integer 12345678901234567890 is beyond ±2\^53/],
    ['x=inf', /inf has no JSON form/],
    ['x=1,nan', /nan has no JSON form/],
  ] as const) {
    it(`override ${override}: exit 2`, () => {
      const dir = makeProject('command: echo\nsweep:\n  grid:\n    y: [1]\n');
      const r = hsm(['show', '--', override], dir);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(why);
    });
  }

  it('the largest exact integers, floats and quoted text pass, and argv and JSON agree', () => {
    const dir = makeProject(
      "command: echo\nsweep:\n  grid:\n    x: [9007199254740991, -9007199254740991, 1e20, 2.5, '12345678901234567890', 'inf']\n",
    );
    const r = hsm(['show', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const tasks = (JSON.parse(r.stdout) as { tasks: { params: { x: unknown }; argv: string[] }[] }).tasks;
    expect(tasks.map((t) => t.params.x)).toEqual([
      9007199254740991,
      -9007199254740991,
      1e20,
      2.5,
      '12345678901234567890',
      'inf',
    ]);
    expect(tasks[0]!.argv).toEqual(['echo', 'x=9007199254740991']);
    expect(tasks[4]!.argv).toEqual(['echo', "x='12345678901234567890'"]);
    expect(tasks[5]!.argv).toEqual(['echo', "x='inf'"]);
  });
});

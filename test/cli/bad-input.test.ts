import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, makeProject } from '../helpers/cli.js';

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

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, makeProject } from '../helpers/cli.js';

const home = mkdtempSync(join(tmpdir(), 'hsm-home-'));
const run = (args: string[], cwd: string) => hsm(args, cwd, { HOME: home });

beforeAll(() => ensureBuilt());

describe('hsm validate', () => {
  it('accepts a valid sweep file and prints the task count', () => {
    const dir = makeProject(
      'name: s\ncommand: python3 train.py\nsweep:\n  grid:\n    lr: [0.1, 0.01, 0.001]\n    seed: [1, 2]\n',
    );
    const r = run(['validate'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok: sweeps/sweep.yaml: 6 tasks');
  });

  it('exits 2 and points at file:line:col with the nearest valid key', () => {
    const dir = makeProject('command: python3 train.py\nsweep:\n  gird:\n    lr: [0.1]\n');
    const r = run(['validate'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('sweeps/sweep.yaml:3:3: error: unknown key `gird`; did you mean `grid`?');
    expect(r.stdout).toContain('invalid: sweeps/sweep.yaml (1 error)');
  });

  it('reports every finding as JSON', () => {
    const dir = makeProject('command: run\npaired:\n  - opt: {lr: [1, 2], wd: [1]}\ngrid:\n  a: [1, 1, 2]\n');
    const r = run(['validate', '--json'], dir);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ valid: false, total: null, suggestions: [] });
    expect(doc.errors).toEqual([
      expect.objectContaining({
        severity: 'error',
        file: 'sweeps/sweep.yaml',
        line: 3,
        col: 5,
        message: 'paired group `opt` has lists of different lengths: `lr` has 2, `wd` has 1',
      }),
    ]);
    expect(doc.warnings).toEqual([
      expect.objectContaining({
        line: 5,
        col: 10,
        message: '`a` lists 1 twice: 2 values (each value counts once)',
      }),
    ]);
  });

  it('validates a sweep file given as an argument, with overrides', () => {
    const dir = makeProject('command: run\n');
    writeFileSync(join(dir, 'other.yaml'), 'name: other\ncommand: run\ngrid: {a: [1, 2]}\n');
    const r = run(['validate', 'other.yaml', '--json', '--', 'b=range(0,3)'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, total: 6, errors: [], warnings: [] });
    const bad = run(['validate', 'other.yaml', 'b=range(0'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain('error: bad override: `range(` is not closed in override `b=range(0`');
  });

  it('shows malformed YAML with the offending line', () => {
    const dir = makeProject('command: run\ngrid:\n  a: [1, 2\n  b: [3]\n');
    const r = run(['validate'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/sweeps\/sweep\.yaml:4:\d+: error: malformed YAML/);
    expect(r.stdout).toContain('4 |   b: [3]');
  });

  it('checks hsm_config.yaml too', () => {
    const dir = makeProject(
      'command: run\ngrid: {a: [1, 2]}\n',
      'sources:\n  box: {type: sshh, host: box}\n',
    );
    const r = run(['validate'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(
      'hsm_config.yaml:2:15: error: source `box` has type "sshh"; did you mean `ssh`?',
    );
    // the summary names the invalid file (it used to say there was none)
    expect(r.stdout).toMatch(/^invalid: .*; hsm_config\.yaml$/m);
  });

  it('a missing file or a directory: one clear paragraph, exit 2, no stack trace', () => {
    const dir = makeProject('command: run\n');
    const missing = run(['validate', 'nope.yaml'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('hsm: error: sweep file nope.yaml does not exist');
    expect(missing.stderr).toContain('hint: ');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    mkdirSync(join(dir, 'adir'));
    const isDir = run(['validate', 'adir'], dir);
    expect(isDir.code).toBe(2);
    expect(isDir.stderr).toContain('hsm: error: adir is a directory, not a sweep file');
  });
});

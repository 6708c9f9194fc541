import { mkdirSync, writeFileSync } from 'node:fs';
import { makeTempDir } from '../helpers/temp-dir.js';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, makeProject } from '../helpers/cli.js';

const home = makeTempDir('hsm-home-');
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
    expect(r.stdout).toContain('sweeps/sweep.yaml:3:6: error: malformed YAML: `[` opened here is not closed');
    expect(r.stdout).toContain('3 |   a: [1, 2');
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

  it('a missing file or a directory: one clear error with a hint, exit 2, no stack trace', () => {
    const dir = makeProject('command: run\n');
    const missing = run(['validate', 'nope.yaml'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain('nope.yaml: error: sweep file nope.yaml does not exist');
    expect(missing.stdout).toContain('hint: ');
    expect(missing.stdout + missing.stderr).not.toMatch(/\n\s+at /);
    mkdirSync(join(dir, 'adir'));
    const isDir = run(['validate', 'adir'], dir);
    expect(isDir.code).toBe(2);
    expect(isDir.stdout).toContain('adir: error: adir is a directory, not a sweep file');
    // no hsm_config.yaml and no sweep file: nothing to check
    const empty = makeTempDir('hsm-e2e-');
    const none = run(['validate'], empty);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('hsm: error: sweep file sweeps/sweep.yaml does not exist');
  });

  // the config used to be checked only on the way to a sweep file: without one, its errors went unseen
  it('checks hsm_config.yaml without a sweep file, every problem at once (sources as a run checks them)', () => {
    const dir = makeTempDir('hsm-e2e-');
    const config = [
      'defualts:', //                                    1: unknown top-level key
      '  jobs: 2',
      'sources:',
      '  l: {type: local, max_parallel: 0}', //          4: bad value
      '  box: {type: ssh, hostt: box}', //               5: unknown field (and so no host)
      '  c: {type: slurm, mem: lots}', //                6: refused by the Slurm source
      '  b: {type: ssh, host: b, workdir: ~other/x}', // 7: refused by the ssh source
      'retry:',
      '  oom: bogus', //                                 9: bad retry policy
      '',
    ].join('\n');
    writeFileSync(join(dir, 'hsm_config.yaml'), config);
    const r = run(['validate'], dir);
    expect(r.code).toBe(2);
    const errors = r.stdout.split('\n').filter((l) => l.includes(': error: '));
    expect(errors).toEqual([
      'hsm_config.yaml:1:1: error: unknown key `defualts`; did you mean `defaults`?',
      'hsm_config.yaml:4:34: error: source `l`: `max_parallel` must be a positive integer, got 0',
      'hsm_config.yaml:5:20: error: source `box` (ssh) has an unknown field `hostt`; did you mean `host`?',
      'hsm_config.yaml:5:3: error: source `box` (ssh) has no `host`',
      'hsm_config.yaml:9:8: error: `retry.oom` must be none, requeue, default or a mapping ({retries: 1, mem: 2}), got "bogus"',
      'hsm_config.yaml:6:3: error: source "c": mem: "lots" is not a memory size',
      "hsm_config.yaml:7:3: error: Source `b`: workdir `~other/x` names another user's home",
    ]);
    expect(r.stdout).toContain(
      'hint: valid keys here: `project`, `defaults`, `sources`, `groups`, `commands`, `retry`',
    );
    expect(r.stdout).toContain('hint: write an amount with a unit, e.g. mem: 4G or mem: 500M');
    expect(r.stdout).toContain(
      'suggestion: no sweep file (sweeps/sweep.yaml does not exist): hsm_config.yaml alone was checked',
    );
    expect(r.stdout).toMatch(/^invalid: hsm_config\.yaml \(7 errors, 1 suggestion\)$/m);
    const json = JSON.parse(run(['validate', '--json'], dir).stdout);
    expect(json).toMatchObject({ valid: false, sweep_file_found: false, total: null });
    expect(json.errors).toHaveLength(7);
    expect(json.errors[5]).toMatchObject({ file: 'hsm_config.yaml', line: 6, col: 3 });

    writeFileSync(join(dir, 'hsm_config.yaml'), 'sources:\n  l: {type: local, max_parallel: 2}\n');
    const ok = run(['validate'], dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok: hsm_config\.yaml \(1 suggestion\)$/m);
  });

  it("reports a named sweep file that is missing beside the config's problems", () => {
    const dir = makeProject('command: run\n', 'sources:\n  l: {type: locl}\n');
    const r = run(['validate', 'nope.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(
      'hsm_config.yaml:2:13: error: source `l` has type "locl"; did you mean `local`?',
    );
    expect(r.stdout).toContain('nope.yaml: error: sweep file nope.yaml does not exist');
    expect(r.stdout).toMatch(/^invalid: nope\.yaml \(2 errors\); hsm_config\.yaml$/m);
  });

  it('a command whose script is not in the project root: a warning naming the fix before anything runs', () => {
    // hsm_config.yaml's training script (the default command), missing
    const dir = makeProject(
      'name: s\nsweep:\n  grid:\n    lr: [0.1, 0.2]\n',
      'project: {training_script: train.py}\ndefaults:\n  output_dir: sweeps/outputs\n',
    );
    const missing = `the command's script train.py does not exist in the project root ${dir}: every task would fail`;
    const v = run(['validate'], dir);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain(`sweeps/sweep.yaml: warning: ${missing}`);
    expect(v.stdout).toContain('set `project.training_script` in hsm_config.yaml to your script');
    expect(v.stdout).toContain('ok: sweeps/sweep.yaml: 2 tasks (1 warning)');
    const dry = run(['run', '--dry-run'], dir);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain(missing);
    // there: no warning
    writeFileSync(join(dir, 'train.py'), 'print(1)\n');
    expect(run(['validate'], dir).stdout).toMatch(/^ok: sweeps\/sweep\.yaml: 2 tasks; hsm_config\.yaml$/m);
    // a sweep file's `command:` (`python -m module` names no file), and --cmd
    writeFileSync(join(dir, 'sweeps', 's.yaml'), 'command: python3 src/fit.py\nsweep: {grid: {a: [1]}}\n');
    const s = run(['show', 'sweeps/s.yaml'], dir);
    expect(s.stderr).toContain("warning: the command's script src/fit.py does not exist");
    expect(s.stderr).toContain('fix the path in `command:`');
    writeFileSync(join(dir, 'sweeps', 'm.yaml'), 'command: python3 -m fit\nsweep: {grid: {a: [1]}}\n');
    expect(run(['validate', 'sweeps/m.yaml'], dir).stdout).not.toContain("command's script");
    const cmd = run(['run', '--dry-run', '--cmd', './go.sh lr=1'], dir);
    expect(cmd.stderr).toContain("--cmd: warning: the command's script ./go.sh does not exist");
    expect(cmd.stderr).toContain('fix the path in --cmd');
  });
});

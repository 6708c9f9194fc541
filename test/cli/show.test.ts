import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ensureBuilt, hsm, makeProject } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const home = makeTempDir('hsm-home-');
const run = (args: string[], cwd: string) => hsm(args, cwd, { HOME: home });

beforeAll(() => ensureBuilt());

describe('hsm show', () => {
  it('--json prints total and each task with name, key, params (YAML types, generation order) and argv', () => {
    const dir = makeProject(
      'command: python train.py\nsweep:\n  grid:\n    lr: [0.1, 1.0]\n    bs: [16, "32"]\n',
    );
    const r = run(['show', '--json'], dir);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['total', 'tasks']);
    expect(doc.total).toBe(4);
    expect(doc.tasks.map((t: { name: string }) => t.name)).toEqual([
      'task_001',
      'task_002',
      'task_003',
      'task_004',
    ]);
    expect(Object.keys(doc.tasks[0])).toEqual(['name', 'key', 'params', 'argv']);
    expect(doc.tasks[0].key).toMatch(/^[0-9a-f]{16}$/);
    expect(doc.tasks[1].params).toEqual({ lr: 0.1, bs: '32' });
    expect(Object.keys(doc.tasks[1].params)).toEqual(['lr', 'bs']);
    expect(doc.tasks.map((t: { argv: string[] }) => t.argv)).toEqual([
      ['python', 'train.py', 'lr=0.1', 'bs=16'],
      ['python', 'train.py', 'lr=0.1', "bs='32'"],
      ['python', 'train.py', 'lr=1.0', 'bs=16'],
      ['python', 'train.py', 'lr=1.0', "bs='32'"],
    ]);
  });

  it('--limit and overrides after --', () => {
    const dir = makeProject('command: run\ngrid: {a: [1, 2]}\n');
    const r = run(['show', '--json', '--limit', '3', '--', 'seed=range(0,5)', 'a=choice(x,y)'], dir);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.total).toBe(10);
    expect(doc.tasks.map((t: { params: object }) => t.params)).toEqual([
      { a: 'x', seed: 0 },
      { a: 'x', seed: 1 },
      { a: 'x', seed: 2 },
    ]);
  });

  it('prints the exact argv of each task for humans, and what is left', () => {
    const dir = makeProject(
      stringify({ command: 'prog', args: 'flags', grid: { msg: ['a b', '$(touch x)'] } }),
    );
    const r = run(['show', '--limit', '1'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sweeps/sweep.yaml: 2 tasks');
    expect(r.stdout).toContain('task_001');
    expect(r.stdout).toContain("$ prog --msg 'a b'");
    expect(r.stdout).toContain('... and 1 more');
  });

  it('uses the interpreter and training script of hsm_config.yaml when the sweep file has no command', () => {
    const dir = makeProject(
      'grid: {seed: [1]}\n',
      'project: {python_interpreter: python3, training_script: train.py}\n',
    );
    const r = run(['show', '--json'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).tasks[0].argv).toEqual(['python3', 'train.py', 'seed=1']);
  });

  it('an invalid sweep file: exit 2 and every error in one message', () => {
    const dir = makeProject('command: run\ngrid:\n  a: []\n  b: 3\n');
    const r = run(['show', '--json'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('hsm: error: sweep file sweeps/sweep.yaml is invalid (2 errors)');
    expect(r.stderr).toContain('sweeps/sweep.yaml:3:6: error: `a` is an empty list');
    expect(r.stderr).toContain(
      'sweeps/sweep.yaml:4:6: error: `b` must be a list of values, got the scalar 3',
    );
  });
});

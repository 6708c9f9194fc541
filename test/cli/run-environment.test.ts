import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';

beforeAll(() => ensureBuilt());

describe('the environment tasks run in', () => {
  it('activates the venv of hsm_config.yaml and runs in the project root with the HSM_* variables', () => {
    const dir = makeProject(
      `command: ["sh", "-c", "echo $VIRTUAL_ENV_MARK $HSM_SWEEP_ID $HSM_TASK_ID $HSM_ATTEMPT; pwd; test -d $HSM_TASK_DIR"]\nargs: none\nsweep:\n  grid:\n    x: [1]\n`,
      'project:\n  venv: .venv\ndefaults:\n  output_dir: sweeps/outputs\n',
    );
    mkdirSync(join(dir, '.venv', 'bin'), { recursive: true });
    writeFileSync(join(dir, '.venv', 'bin', 'activate'), 'export VIRTUAL_ENV_MARK=activated\n');
    const r = hsm(['run', '--sweep-id', 'env1'], join(dir, 'sweeps'));
    expect(r.code, r.stderr).toBe(0);
    const out = readFileSync(
      join(dir, 'sweeps', 'outputs', 'env1', 'tasks', 'task_001', 'stdout.log'),
      'utf8',
    );
    expect(out).toBe(`activated env1 task_001 1\n${dir}\n`);
  });
});

describe("a local source's environment fields", () => {
  it("env, venv of the source reach the task (over the project's venv)", () => {
    const dir = makeProject(
      `command: ["sh", "-c", "echo FOO=$FOO QUOTED=$QUOTED MARK=$VIRTUAL_ENV_MARK"]\nargs: none\n`,
      [
        'project:\n  venv: .venv\n',
        'sources:\n  local:\n    type: local\n    venv: envs/gpu\n',
        '    env: {FOO: bar, QUOTED: "it\'s $HOME"}\n',
      ].join(''),
    );
    const venvs: [string, string][] = [
      ['.venv', 'project'],
      ['envs/gpu', 'source'],
    ];
    for (const [venv, mark] of venvs) {
      mkdirSync(join(dir, venv, 'bin'), { recursive: true });
      writeFileSync(join(dir, venv, 'bin', 'activate'), `export VIRTUAL_ENV_MARK=${mark}\n`);
    }
    const r = hsm(['run', '--sweep-id', 'srcenv'], dir);
    expect(r.code, r.stderr).toBe(0);
    const out = readFileSync(
      join(dir, 'sweeps', 'outputs', 'srcenv', 'tasks', 'task_001', 'stdout.log'),
      'utf8',
    );
    expect(out).toBe("FOO=bar QUOTED=it's $HOME MARK=source\n");
  });
});

describe('hsm cancel', () => {
  it('stops a sweep run by another process: that process records cancelled tasks and exits 130', async () => {
    const dir = makeProject(
      `command: ["sleep", "{s}"]\nargs: none\nsweep:\n  grid:\n    s: [30, 31, 32, 33]\n`,
    );
    const run = hsmAsync(['run', '--jobs', '2', '--sweep-id', 'c1'], dir);
    await until('two running tasks', () => {
      const st = hsm(['status', 'c1', '--json'], dir);
      return st.code === 0 && (JSON.parse(st.stdout) as { counts: { running: number } }).counts.running === 2;
    });
    const c = hsm(['cancel', 'c1'], dir);
    expect(c.code).toBe(0);
    expect(c.stderr).toMatch(/asked hsm \(pid \d+\) to cancel sweep c1/);
    expect((await waitForExit(run)).code).toBe(130);
    const st = JSON.parse(hsm(['status', 'c1', '--json'], dir).stdout) as { counts: Record<string, number> };
    expect(st.counts).toMatchObject({ cancelled: 2, pending: 2, running: 0 });
    const text = hsm(['status', 'c1'], dir).stdout;
    expect(text).toMatch(/4 tasks: 2 cancelled, 2 pending/);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HSM_BIN, ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';

// Things that are not bugs in hsm and must not be reported as one: a task directory deleted while its
// task runs, an output_dir that is a file, a damaged sweep.db, a reader that closes the pipe early.
// Each gets a plain message (no stack trace, no "looks like a bug") and the contract's exit code.

beforeAll(() => ensureBuilt());

function plain(stderr: string): void {
  expect(stderr).not.toMatch(/looks like a bug|at .*\.js:\d+|node:events|Error: write/);
}

describe('odd environments', () => {
  it('a task directory deleted while its task runs: the run goes on and records the task', async () => {
    const dir = makeProject(
      'command: ["sh", "-c", "touch running.{i}; while [ ! -e go ]; do sleep 0.05; done; echo {i}"]\nargs: none\nsweep:\n  grid:\n    i: [1, 2, 3]\n',
    );
    const run = hsmAsync(['run', '--sweep-id', 'del', '--jobs', '3'], dir);
    let stderr = '';
    run.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const stopped = waitForExit(run);
    try {
      // the task runs its command (its command.sh was read): now its directory goes
      const running = join(dir, 'running.1');
      await until('the task to run', () => existsSync(running), 60_000, 10).catch((err: Error) => {
        throw new Error(`${err.message}; hsm run's stderr: ${stderr}`);
      });
      rmSync(join(dir, 'sweeps', 'outputs', 'del', 'tasks', 'task_001'), { recursive: true, force: true });
    } finally {
      writeFileSync(join(dir, 'go'), ''); // the tasks end (also when a check failed: nothing left waiting)
    }
    const exit = await stopped;
    plain(stderr);
    expect(exit.code, stderr).toBe(0);
    const status = JSON.parse(hsm(['status', 'del', '--json'], dir).stdout) as {
      counts: { completed: number };
    };
    expect(status.counts.completed).toBe(3);
  });

  it('an output_dir that is a file: run, status and recent say so with exit 2', () => {
    const dir = makeProject(
      'command: ["true"]\nargs: none\nsweep:\n  grid:\n    i: [1]\n',
      'defaults:\n  output_dir: results\n',
    );
    writeFileSync(join(dir, 'results'), 'not a directory\n');
    for (const args of [['run'], ['status'], ['recent']]) {
      const r = hsm(args, dir);
      plain(r.stderr);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/output directory .*results is a file, not a directory/);
      expect(r.stderr).toMatch(/defaults\.output_dir/);
    }
    expect(readFileSync(join(dir, 'results'), 'utf8')).toBe('not a directory\n');
  });

  it('a damaged sweep.db is named in the error (exit 3); recent still lists the other sweeps', () => {
    const dir = makeProject(
      'command: ["sh", "-c", "echo {i}"]\nargs: none\nsweep:\n  grid:\n    i: [1, 2]\n',
    );
    expect(hsm(['run', '--sweep-id', 'good'], dir).code).toBe(0);
    expect(hsm(['run', '--sweep-id', 'bad'], dir).code).toBe(0);
    const db = join(dir, 'sweeps', 'outputs', 'bad', 'sweep.db');
    writeFileSync(db, Buffer.alloc(8192, 7));
    for (const args of [
      ['status', 'bad'],
      ['status', 'bad', '--json'],
      ['complete', 'bad'],
      ['logs', 'bad', '1'],
    ]) {
      const r = hsm(args, dir);
      plain(r.stderr);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(3);
      expect(r.stderr).toContain(db);
      expect(r.stderr).toMatch(/damaged/);
    }
    const recent = hsm(['recent'], dir);
    plain(recent.stderr);
    expect(recent.code, recent.stderr).toBe(0);
    expect(recent.stdout).toMatch(/^good .*2 tasks: 2 completed/m);
    expect(recent.stdout).toMatch(/^bad .*damaged/m);
    const json = JSON.parse(hsm(['recent', '--json'], dir).stdout) as {
      sweeps: { sweep_id: string; error?: string; total: number | null }[];
    };
    expect(json.sweeps.find((s) => s.sweep_id === 'good')).toMatchObject({ total: 2 });
    expect(json.sweeps.find((s) => s.sweep_id === 'bad')).toMatchObject({
      total: null,
      error: expect.stringContaining('damaged'),
    });
  });

  it('a reader that closes the pipe early (| head): exit 0, no error', () => {
    const dir = makeProject(
      `command: ["sh", "-c", "seq 1 200000"]\nargs: none\nsweep:\n  grid:\n    i: [${Array.from({ length: 600 }, (_, i) => i).join(', ')}]\n`,
    );
    expect(hsm(['run', '--sweep-id', 'big', '--jobs', '4'], dir).code).toBe(0);
    for (const cmd of [
      'status big --json | head -c 50',
      'logs big 1 | head -2',
      'status big --all | head -1',
      'recent --json | head -c 5',
    ]) {
      const [args, reader] = cmd.split(' | ');
      const r = spawnSync(
        'bash',
        [
          '-c',
          `"${process.execPath}" "${HSM_BIN}" ${args} | ${reader} >/dev/null; echo "exit=\${PIPESTATUS[0]}" >&2`,
        ],
        { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
      );
      plain(r.stderr);
      expect(r.stderr.trim(), cmd).toBe('exit=0');
    }
  });
});

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';

// `hsm cancel SWEEP --tasks SET`: one task of a running sweep stops, the others go on; without a
// running hsm, or naming no task that can be cancelled, a clear refusal (exit 2).

beforeAll(() => ensureBuilt());

describe('hsm cancel --tasks', () => {
  it('stops one task of a running sweep; the others run to their end', async () => {
    const dir = makeProject(
      'name: one\ncommand: ["sh", "-c", "touch started.$0; while [ ! -e go ]; do sleep 0.05; done", "{x}"]\nargs: none\nsweep:\n  grid:\n    x: [1, 2]\n',
    );
    const run = hsmAsync(['run', '--jobs', '2', '--sweep-id', 'one'], dir);
    onTestFinished(() => writeFileSync(join(dir, 'go'), ''));
    await until('both tasks', () => existsSync(join(dir, 'started.1')) && existsSync(join(dir, 'started.2')));
    const r = hsm(['cancel', 'one', '--tasks', 'task_001', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      sweep_id: 'one',
      running_pid: run.pid,
      requested: ['task_001'],
      skipped: [],
    });
    const status = () =>
      JSON.parse(hsm(['status', 'one', '--json'], dir).stdout) as {
        tasks: { name: string; status: string }[];
      };
    await until(
      'task_001 cancelled',
      () => status().tasks.find((t) => t.name === 'task_001')!.status === 'cancelled',
    );
    expect(status().tasks.find((t) => t.name === 'task_002')!.status).toBe('running');
    writeFileSync(join(dir, 'go'), '');
    expect((await waitForExit(run)).code).toBe(1); // a task did not complete
    expect(status().tasks.map((t) => t.status)).toEqual(['cancelled', 'completed']);
  });

  it('hsm cancel of a whole running sweep: its hsm says it was cancelled (not Ctrl-C) and exits 130', async () => {
    const dir = makeProject(
      'name: all\ncommand: ["sh", "-c", "touch started.$0; sleep 30", "{x}"]\nargs: none\nsweep:\n  grid:\n    x: [1, 2]\n',
    );
    const run = hsmAsync(['run', '--jobs', '2', '--sweep-id', 'all'], dir);
    let stderr = '';
    run.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    await until('both tasks', () => existsSync(join(dir, 'started.1')) && existsSync(join(dir, 'started.2')));
    const r = hsm(['cancel', 'all'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect((await waitForExit(run)).code).toBe(130);
    expect(stderr).toContain(
      'cancelled (SIGTERM: `hsm cancel` or a service manager): stopping running tasks',
    );
    expect(stderr).not.toContain('Ctrl-C');
    expect(stderr).toContain('sweep all: 2 cancelled');
  });

  it('refuses when no hsm runs the sweep, or the set names no task of it', () => {
    const dir = makeProject('name: done\ncommand: ["true"]\nargs: none\nsweep:\n  grid:\n    x: [1, 2]\n');
    expect(hsm(['run', '--sweep-id', 'done', '--yes'], dir).code).toBe(0);
    const idle = hsm(['cancel', 'done', '--tasks', 'task_001'], dir);
    expect(idle.code).toBe(2);
    expect(idle.stderr).toMatch(/no hsm process is running sweep done/);
    const unknown = hsm(['cancel', 'done', '--tasks', 'task_009'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/"task_009", which is not a task of sweep done/);
  });
});

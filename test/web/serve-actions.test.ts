import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';
import { startServe } from './serve-process.js';

// The dashboard's buttons through its API: "Re-run failed" runs the failed tasks again (as `hsm
// complete --retry-failed`), "Cancel sweep" stops the hsm process running it (as `hsm cancel`).

beforeAll(() => ensureBuilt());

async function call(serve: Awaited<ReturnType<typeof startServe>>, method: string, path: string) {
  const res = await fetch(`${serve.base}${path}`, { method, headers: { 'X-HSM-Token': serve.token } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('hsm serve actions', () => {
  it('re-runs the failed tasks of a sweep', async () => {
    const dir = makeProject(
      'name: again\ncommand: ["sh", "-c", "[ -e ok.$0 ] || [ $0 = 1 ]", "{x}"]\nargs: none\nsweep:\n  grid:\n    x: [1, 2, 3]\n',
    );
    expect(hsm(['run', '--sweep-id', 'again', '--yes'], dir).code).toBe(1);
    const serve = await startServe(dir);
    onTestFinished(serve.stop);
    const counts = async () =>
      ((await call(serve, 'GET', '/api/sweeps/again')).body.status as { counts: Record<string, number> })
        .counts;
    expect(await counts()).toMatchObject({ completed: 1, failed: 2 });
    writeFileSync(join(dir, 'ok.2'), '');
    writeFileSync(join(dir, 'ok.3'), '');
    const r = await call(serve, 'POST', '/api/sweeps/again/rerun-failed');
    expect(r).toMatchObject({ status: 202, body: { sweep_id: 'again', planned: 2 } });
    await until('the failed tasks completed', async () => (await counts()).completed === 3);
    const status = JSON.parse(hsm(['status', 'again', '--json'], dir).stdout) as {
      counts: Record<string, number>;
    };
    expect(status.counts).toMatchObject({ completed: 3, failed: 0 });
  });

  it('cancels a running sweep', async () => {
    const dir = makeProject(
      'name: stop\ncommand: ["sh", "-c", "touch started.$0; sleep 60", "{x}"]\nargs: none\nsweep:\n  grid:\n    x: [1, 2]\n',
    );
    const run = hsmAsync(['run', '--jobs', '2', '--sweep-id', 'stop'], dir);
    onTestFinished(async () => {
      run.kill('SIGKILL');
      await waitForExit(run);
    });
    await until(
      'both tasks running',
      () => existsSync(join(dir, 'started.1')) && existsSync(join(dir, 'started.2')),
    );
    const serve = await startServe(dir);
    onTestFinished(serve.stop);
    expect((await call(serve, 'GET', '/api/sweeps/stop/cancel')).status).toBe(405);
    const r = await call(serve, 'POST', '/api/sweeps/stop/cancel');
    expect(r).toMatchObject({ status: 200, body: { sweep_id: 'stop', signalled_pid: run.pid } });
    expect((await waitForExit(run)).code).toBe(130);
    const status = JSON.parse(hsm(['status', 'stop', '--json'], dir).stdout) as {
      counts: Record<string, number>;
    };
    expect(status.counts).toMatchObject({ cancelled: 2, running: 0 });
  });
});

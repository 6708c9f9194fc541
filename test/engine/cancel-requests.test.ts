import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SweepEngine } from '../../src/engine/sweep-engine.js';
import { LocalSource } from '../../src/compute/local/local-source.js';
import { makeSweep, makeTasks } from '../helpers/sweep-fixture.js';
import { until } from '../helpers/wait.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// Single tasks cancelled while a run works (`hsm cancel SWEEP --tasks`, the dashboard): the request
// is written to the store, as another process writes it, and the running engine takes it. The
// running task is terminated and recorded `cancelled`; one handed to a runner but not started is
// withdrawn and one still in the plan is not handed over: both stay pending (as with a cancel of the
// whole run) and do not run; the rest of the sweep runs to its end.

describe('cancel requests', () => {
  it('cancels a running, a handed-over and a planned task; the others complete', async () => {
    const root = makeTempDir('hsm-test-');
    const go = join(root, 'go');
    const argvs = Array.from({ length: 40 }, (_, i) =>
      i === 0 ? ['sh', '-c', `touch ${go}.started; while [ ! -e ${go} ]; do sleep 0.05; done`] : ['true'],
    );
    const { sweep, workspace, context } = makeSweep(makeTasks(argvs), root);
    const source = new LocalSource({ slots: 1, context });
    const engine = new SweepEngine(sweep.store, workspace, {
      tasks: sweep.store.tasks().map((t) => t.name),
      sources: [source],
      retries: 0,
      retryDelayMs: 10,
      timeoutMs: null,
      killGraceMs: 500,
    });
    const done = engine.run();
    const status = (task = 'task_001') => sweep.store.task(task)!.status;
    const ready = () =>
      existsSync(`${go}.started`) && status() === 'running' && status('task_003') === 'queued';
    await until('task_001 running and task_003 handed over', ready, 30_000, 25);
    expect([status(), status('task_003')]).toEqual(['running', 'queued']); // task_003 handed over, waiting
    sweep.store.cancelRequests.add(['task_001', 'task_003', 'task_040']);
    await until('task_001 to stop running', () => status() !== 'running', 30_000, 25);
    writeFileSync(go, ''); // had the cancel not worked, task_001 would now complete
    const result = await done;
    expect(result.interrupted).toBe(false);
    expect(sweep.store.task('task_001')).toMatchObject({ status: 'cancelled', reason: 'cancelled' });
    expect(sweep.store.task('task_003')).toMatchObject({ status: 'pending', attempts: 1 });
    expect(sweep.store.task('task_040')).toMatchObject({ status: 'pending', attempts: 0 });
    expect(sweep.store.counts()).toMatchObject({ completed: 37, cancelled: 1, pending: 2, running: 0 });
    expect(existsSync(sweep.paths.taskFile('task_003', 'stdout.log'))).toBe(false); // it never ran
    expect(existsSync(sweep.paths.taskFile('task_040', 'stdout.log'))).toBe(false); // it never ran
    expect(sweep.store.takeCancelRequests()).toEqual([]); // taken once
  });
});

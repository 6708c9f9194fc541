import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, waitForExit } from '../../helpers/cli.js';
import { useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import {
  completeThroughGate,
  countingShims,
  gatedProject,
  hsmChild,
  jobsInQueue,
  queueEmptied,
  runsLog,
  scancels,
  slurmEnv,
  statusJson,
  waitUntil,
  whenAllSubmitted,
} from './slurm-helpers.js';

// `hsm run --detach` and `hsm cancel` on the real Slurm. Tasks x=2 and x=3 wait for a `gate` file in
// the project (x=1 ends at once), so they are in Slurm's queue when the test stops them. runs.log
// lists each start of a task.

describe.skipIf(NO_INFRA)('--detach and hsm cancel on a Slurm sweep', () => {
  useSlurmLock('shared');
  beforeAll(() => ensureBuilt());

  it('--detach returns once all is submitted; hsm cancel stops the jobs with one scancel; complete runs only what did not complete', async () => {
    const shims = countingShims();
    const env = slurmEnv(shims.dir);
    const dir = gatedProject([1, 2, 3], true);
    const r = hsm(['run', '--source', 'cluster', '--detach'], dir, env, 60_000);
    expect(r.code, r.stderr).toBe(0);
    const id = statusJson(dir, env).sweep_id;
    expect(r.stderr).toContain(`follow and collect them (and run what is missing): hsm complete ${id}`);
    expect(jobsInQueue(id, env)).toBeGreaterThanOrEqual(2);
    const shown = hsm(['status', id], dir, env);
    expect(shown.stdout).toMatch(/no hsm process follows its [23] queued\/running tasks/);
    expect(shown.stdout).toContain(`\`hsm complete ${id}\` waits for them and runs what is missing`);
    // x=1 ends while nobody follows the sweep; complete later collects it, the rest are stopped
    // every task's command ran (each wrote its line; the gated ones wait)
    await waitUntil('the three tasks to run', 120_000, () => runsLog(dir).length === 3);
    const c = hsm(['cancel', id], dir, env, 60_000);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toContain('no hsm process was running it');
    expect(scancels(shims)).toBe(1);
    await queueEmptied(id, env);
    const s = statusJson(dir, env);
    expect(s.counts).toMatchObject({ completed: 1, cancelled: 2 });
    for (const t of s.tasks.filter((t) => t.name !== 'task_001'))
      expect(t.termination_reason).toBe('cancelled');
    completeThroughGate(dir, id, env, 3);
    // runs.log lists each start: the cancelled ones ran again, task_001 did not
    expect(runsLog(dir).sort()).toEqual(['task_001', 'task_002', 'task_002', 'task_003', 'task_003']);
  }, 240_000);

  it('hsm cancel while hsm run follows the sweep: one scancel, exit 130; --tasks cancels one task alone', async () => {
    const shims = countingShims();
    const env = slurmEnv(shims.dir);
    const dir = gatedProject([1, 2, 3], true);
    const child = hsmChild(['run', '--source', 'cluster'], dir, env);
    const id = await whenAllSubmitted(dir, env, 2);
    await waitUntil('the three tasks to run', 120_000, () => runsLog(dir).length === 3);
    const one = hsm(['cancel', id, '--tasks', 'task_002'], dir, env);
    expect(one.code, one.stderr).toBe(0);
    await waitUntil('task_002 cancelled', 60_000, () => {
      const t = statusJson(dir, env).tasks.find((t) => t.name === 'task_002')!;
      return t.status === 'cancelled';
    });
    expect(statusJson(dir, env).tasks.find((t) => t.name === 'task_003')!.status).toBe('running');
    const all = hsm(['cancel', id], dir, env);
    expect(all.code, all.stderr).toBe(0);
    expect((await waitForExit(child)).code).toBe(130);
    await queueEmptied(id, env);
    expect(scancels(shims)).toBe(2); // one per cancel
    expect(statusJson(dir, env).counts).toMatchObject({ completed: 1, cancelled: 2 });
  }, 240_000);
});

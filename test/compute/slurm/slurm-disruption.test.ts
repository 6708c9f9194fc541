import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, waitForExit } from '../../helpers/cli.js';
import { restoreSlurm, useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA, sshInfra } from '../../remote/test-infra.js';
import {
  hsmChild,
  runsLog,
  signalDaemon,
  slurmEnv,
  slurmProject,
  statusJson,
  waitUntil,
} from './slurm-helpers.js';

// slurmctld restarted mid-sweep (the node failure is in slurm-node-fail.test.ts).
// These hold the Slurm test lock EXCLUSIVELY and bring the cluster back (scripts/infra/slurm-up.sh)
// before releasing it.

/** Stops slurmctld as a service manager restarts it (TERM: it saves its state first) and waits
 * until it is gone. */
async function stopDaemon(pidFile: string): Promise<void> {
  const pid = signalDaemon(pidFile, 'slurmctld', 'SIGTERM');
  await waitUntil('slurmctld to stop', 20_000, () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });
}

function slurmUp(env: NodeJS.ProcessEnv): boolean {
  return spawnSync('scontrol', ['ping'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  }).stdout.includes('is UP');
}

describe.skipIf(NO_INFRA)('slurmctld failing under a sweep', () => {
  useSlurmLock('exclusive');
  beforeAll(() => ensureBuilt());
  const run = () => join(sshInfra().dir, 'slurm', 'run');

  it('slurmctld restarted mid-sweep: the sweep goes on and completes', async () => {
    const env = slurmEnv();
    const dir = slurmProject(
      '  cluster: {type: slurm, partition: debug, time: "00:02:00", array_throttle: 1, poll_interval: 3s}\n',
      [1, 2, 3],
      'sleep 2; ',
    );
    const child = hsmChild(['run', '--source', 'cluster'], dir, env);
    try {
      await waitUntil('the first task to run', 30_000, () => runsLog(dir).length >= 1);
      await stopDaemon(join(run(), 'slurmctld.pid'));
      // status calls fail meanwhile (hsm asks again later); the new controller recovers the jobs
      await waitUntil('a status call to fail', 20_000, () => !slurmUp(env));
      restoreSlurm();
      const end = await waitForExit(child);
      expect(end.code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(statusJson(dir, env).counts).toMatchObject({ completed: 3 });
    expect(runsLog(dir).sort()).toEqual(['task_001', 'task_002', 'task_003']);
  }, 90_000);
  it('slurmctld down when the sweep is submitted: the submit is retried and the sweep completes', async () => {
    const env = slurmEnv();
    const dir = slurmProject(
      '  cluster: {type: slurm, partition: debug, time: "00:02:00", poll_interval: 3s}\n',
      [1, 2],
    );
    await stopDaemon(join(run(), 'slurmctld.pid'));
    let child;
    try {
      child = hsmChild(['run', '--source', 'cluster', '-v'], dir, env);
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      // hsm meets the refusal (sbatch cannot reach the controller) and waits to try again
      await waitUntil('a temporary submit failure', 40_000, () => err.includes('temporary submit failure'));
    } finally {
      restoreSlurm();
    }
    const end = await waitForExit(child);
    expect(end.code).toBe(0);
    expect(statusJson(dir, env).counts).toMatchObject({ completed: 2 });
    expect(runsLog(dir).sort()).toEqual(['task_001', 'task_002']);
  }, 90_000);
});

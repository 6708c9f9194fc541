import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, waitForExit } from '../../helpers/cli.js';
import { restoreSlurm, useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA, sshInfra } from '../../remote/test-infra.js';
import { hsmChild, runsLog, slurmEnv, slurmProject, statusJson, waitUntil } from './slurm-helpers.js';

// A slurmd stopped mid-job. Slurm notices after SlurmdTimeout (30 s here), so this file takes ~1.5 min.
// These hold the Slurm test lock EXCLUSIVELY and bring the cluster back (scripts/infra/slurm-up.sh)
// before releasing it.

function killDaemon(pidFile: string): void {
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  process.kill(pid, 'SIGKILL');
}

// Opt-in (HSM_TEST_SLURM_NODE_FAIL=1): it passes run alone, but in the full suite the stopped
// slurmd went unnoticed by slurmctld for over 240 s, twice; until that is understood it is run on
// purpose (`HSM_TEST_SLURM_NODE_FAIL=1 npx vitest run test/compute/slurm/slurm-node-fail.test.ts`).
describe.skipIf(NO_INFRA || process.env.HSM_TEST_SLURM_NODE_FAIL !== '1')(
  'a Slurm node failing under a sweep',
  () => {
    useSlurmLock('exclusive');
    beforeAll(() => ensureBuilt());
    const run = () => join(sshInfra().dir, 'slurm', 'run');

    it('the slurmd of the node running a job stopped: the task is `node_fail`, and runs again on `hsm complete`', async () => {
      const env = slurmEnv();
      const dir = slurmProject(
        '  cluster: {type: slurm, partition: debug, time: "00:05:00", extra_directives: ["--nodelist=node3"], poll_interval: 3s}\n',
        [1],
        'if [ ! -e again ]; then touch again; sleep 300; fi; ',
      );
      const child = hsmChild(['run', '--source', 'cluster'], dir, env);
      try {
        await waitUntil('the task to run', 30_000, () => runsLog(dir).length === 1);
        // slurmd gone: slurmctld stops hearing from node3 and, after SlurmdTimeout (30 s), fails its jobs
        killDaemon(join(run(), 'slurmd-node3.pid'));
        const end = await waitForExit(child);
        expect(end.code).toBe(1);
      } finally {
        child.kill('SIGKILL');
        restoreSlurm();
      }
      const t = statusJson(dir, env).tasks[0]!;
      expect(t).toMatchObject({ status: 'failed', termination_reason: 'node_fail', host: 'node3' });
      expect(t.detail).toContain('the node running the job failed');
      const again = hsm(
        ['complete', statusJson(dir, env).sweep_id, '--retry-failed', '--source', 'cluster'],
        dir,
        env,
        60_000,
      );
      expect(again.code, again.stderr).toBe(0);
      expect(statusJson(dir, env).tasks[0]).toMatchObject({ status: 'completed', attempts: 2 });
    }, 240_000);
  },
);

import { execFileSync } from 'node:child_process';
import { beforeAll, describe, it } from 'vitest';
import { ensureBuilt } from '../../helpers/cli.js';
import { useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import { hitNodeUnderTasks } from './node-disruption.js';
import { slurmEnv } from './slurm-helpers.js';

// Real preemption: the test Slurm has a low-priority partition `lowprio` under `debug` over the same
// nodes (preempt/partition_prio, scripts/infra/slurm-up.sh). A debug job that needs the whole node
// of hsm tasks running in lowprio preempts them. The lock is held EXCLUSIVELY, though nothing is
// broken: another test's debug jobs would preempt these tasks too, or keep a retry waiting.

describe.skipIf(NO_INFRA)('preemption on the real Slurm', () => {
  useSlurmLock('exclusive');
  beforeAll(() => ensureBuilt());

  it('a task preempted by a higher-priority job is `preempted`; by default it runs again at once', async () => {
    await hitNodeUnderTasks({
      fields: 'partition: lowprio, time: "00:05:00", poll_interval: 2s',
      reason: 'preempted',
      evidence: 'preempted by a higher-priority job',
      hit: (node) => {
        execFileSync(
          'sbatch',
          [
            '--parsable',
            '--partition=debug',
            '--exclusive',
            `--nodelist=${node}`,
            '--output=/dev/null',
            '--wrap=true',
          ],
          { env: { ...process.env, ...slurmEnv() } },
        );
      },
    });
  }, 180_000);
});

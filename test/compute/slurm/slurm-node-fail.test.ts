import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../helpers/cli.js';
import { restoreSlurm, useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA, sshInfra } from '../../remote/test-infra.js';
import { hitNodeUnderTasks } from './node-disruption.js';
import { signalDaemon } from './slurm-helpers.js';

// A slurmd stopped mid-job. slurmctld notices after SlurmdTimeout (30 s here) plus a ping round:
// ~50 s alone, so this file takes ~1-1.5 min. It holds the Slurm test lock EXCLUSIVELY and brings
// the cluster back (scripts/infra/slurm-up.sh) before releasing it.

describe.skipIf(NO_INFRA)('a Slurm node failing under a sweep', () => {
  useSlurmLock('exclusive');
  beforeAll(() => ensureBuilt());

  it('the slurmd of the node running a job stopped: the attempt is `node_fail`; by default the task runs again at once, on another node', async () => {
    const { node, retried } = await hitNodeUnderTasks({
      fields: 'partition: debug, time: "00:05:00", poll_interval: 3s',
      reason: 'node_fail',
      evidence: 'the node running the job failed',
      // slurmd gone: slurmctld stops hearing from the node and, after SlurmdTimeout, fails its jobs
      hit: (n) => {
        const pidFile = join(sshInfra().dir, 'slurm', 'run', `slurmd-${n}.pid`);
        signalDaemon(pidFile, 'slurmd', 'SIGKILL');
      },
      restore: restoreSlurm,
    });
    expect(retried.host).not.toBe(node);
  }, 240_000);
});

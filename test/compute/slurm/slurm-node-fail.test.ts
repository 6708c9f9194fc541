import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, waitForExit } from '../../helpers/cli.js';
import { restoreSlurm, useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA, sshInfra } from '../../remote/test-infra.js';
import {
  failedAttempts,
  hsmChild,
  runsLog,
  slurmEnv,
  slurmProject,
  statusJson,
  waitUntil,
} from './slurm-helpers.js';

// A slurmd stopped mid-job. slurmctld notices after SlurmdTimeout (30 s here) plus a ping round:
// ~50 s alone, so this file takes ~1-1.5 min. It holds the Slurm test lock EXCLUSIVELY and brings
// the cluster back (scripts/infra/slurm-up.sh) before releasing it.
//
// The job is not pinned to a node: the retry (node_fail runs again at once) must find a node that
// is up. Pinned to the dead node, it would wait for that node to come back, for ever.

function killDaemon(pidFile: string): void {
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  process.kill(pid, 'SIGKILL');
}

describe.skipIf(NO_INFRA)('a Slurm node failing under a sweep', () => {
  useSlurmLock('exclusive');
  beforeAll(() => ensureBuilt());
  const run = () => join(sshInfra().dir, 'slurm', 'run');

  it('the slurmd of the node running a job stopped: the attempt is `node_fail` and the task runs again at once on another node', async () => {
    const env = slurmEnv();
    const dir = slurmProject(
      '  cluster: {type: slurm, partition: debug, time: "00:05:00", poll_interval: 3s}\n',
      [1],
      'if [ ! -e again ]; then touch again; sleep 300; fi; ',
    );
    const child = hsmChild(['run', '--source', 'cluster'], dir, env);
    let node: string | null = null;
    try {
      await waitUntil('the task to run', 60_000, () => runsLog(dir).length === 1);
      await waitUntil('the task to have a host', 60_000, () => {
        node = statusJson(dir, env).tasks[0]?.host ?? null;
        return node !== null;
      });
      // slurmd gone: slurmctld stops hearing from the node and, after SlurmdTimeout, fails its jobs
      killDaemon(join(run(), `slurmd-${node}.pid`));
      const end = await waitForExit(child);
      expect(end.code, JSON.stringify(statusJson(dir, env).tasks)).toBe(0);
    } finally {
      child.kill('SIGKILL');
      restoreSlurm();
    }
    const t = statusJson(dir, env).tasks[0]!;
    expect(t).toMatchObject({ status: 'completed', attempts: 2 });
    expect(t.host).not.toBe(node);
    expect(runsLog(dir)).toEqual(['task_001', 'task_001']);
    const [first, ...more] = failedAttempts(dir, env);
    expect(more).toEqual([]);
    expect(first).toMatchObject({ attempt: 1, termination_reason: 'node_fail', host: node, retrying: true });
    expect(first!.evidence).toContain('the node running the job failed');
  }, 240_000);
});

import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, waitForExit } from '../../helpers/cli.js';
import { useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import {
  failedAttempts,
  hsmChild,
  runsLog,
  slurmEnv,
  slurmProject,
  statusJson,
  waitUntil,
} from './slurm-helpers.js';

// Real preemption: the test Slurm has a low-priority partition `lowprio` under `debug` over the same
// nodes (preempt/partition_prio, scripts/infra/slurm-up.sh). A debug job that needs the node of an
// hsm task running in lowprio preempts it. The lock is held EXCLUSIVELY, though nothing is broken:
// another test's debug jobs would preempt this task too, or keep its retry waiting.

describe.skipIf(NO_INFRA)('preemption on the real Slurm', () => {
  useSlurmLock('exclusive');
  beforeAll(() => ensureBuilt());

  it('a task preempted by a higher-priority job is `preempted` and runs again at once', async () => {
    const env = slurmEnv();
    const dir = slurmProject(
      '  cluster: {type: slurm, partition: lowprio, extra_directives: ["--exclusive"], time: "00:05:00", poll_interval: 2s}\n',
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
      // a job of the higher-priority partition that needs that node (the task holds all of it)
      execFileSync(
        'sbatch',
        ['--parsable', '--partition=debug', `--nodelist=${node}`, '--output=/dev/null', '--wrap=true'],
        { env: { ...process.env, ...env } },
      );
      const end = await waitForExit(child);
      expect(end.code, JSON.stringify(statusJson(dir, env).tasks)).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(statusJson(dir, env).tasks[0]).toMatchObject({ status: 'completed', attempts: 2 });
    expect(runsLog(dir)).toEqual(['task_001', 'task_001']);
    const [first, ...more] = failedAttempts(dir, env);
    expect(more).toEqual([]);
    expect(first).toMatchObject({ attempt: 1, termination_reason: 'preempted', host: node, retrying: true });
    expect(first!.evidence).toContain('preempted by a higher-priority job');
  }, 120_000);
});

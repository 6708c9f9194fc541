import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, waitForExit } from '../../helpers/cli.js';
import { useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import {
  hsmChild,
  runsLog,
  slurmEnv,
  slurmProject,
  statusJson,
  sweepStatus,
  waitUntil,
} from './slurm-helpers.js';

// Termination reasons Slurm gives, produced for real and reported by `hsm status --json`. Slurm
// enforces time limits in whole minutes: the time limit test takes a little over 60 s, so the
// other cases of this file run meanwhile.

describe.skipIf(NO_INFRA)('termination reasons from the real Slurm', () => {
  useSlurmLock('shared');
  beforeAll(() => ensureBuilt());

  it('a job past its time limit is `timeout`; one cancelled with scancel outside hsm is `cancelled`', async () => {
    const env = slurmEnv();
    const timed = slurmProject(
      '  cluster: {type: slurm, partition: debug, time: "00:01:00"}\n',
      [1],
      'sleep 300; ',
    );
    const cancelled = slurmProject('  cluster: {type: slurm, partition: debug}\n', [1], 'sleep 300; ');
    const a = hsmChild(['run', '--source', 'cluster'], timed, env);
    const b = hsmChild(['run', '--source', 'cluster'], cancelled, env);
    await sweepStatus(timed, env, a);
    const id = (await sweepStatus(cancelled, env, b)).sweep_id;
    await waitUntil('the task to run', 60_000, () => runsLog(cancelled).length === 1);
    execFileSync('scancel', [`--name=hsm-${id}`], { env: { ...process.env, ...env } });
    const bEnd = await waitForExit(b);
    const c = statusJson(cancelled, env, b).tasks[0]!;
    expect(bEnd.code, JSON.stringify(c)).toBe(1);
    expect(c).toMatchObject({ status: 'cancelled', termination_reason: 'cancelled', exit_code: null });
    expect(c.detail).toMatch(/cancelled in Slurm on node[123]/);

    const aEnd = await waitForExit(a);
    const t = statusJson(timed, env, a).tasks[0]!;
    expect(aEnd.code, JSON.stringify(t)).toBe(1);
    expect(t).toMatchObject({ status: 'failed', termination_reason: 'timeout' });
    expect(t.detail).toMatch(/Slurm ended the job at its time limit on node[123]/);
  }, 240_000);
});

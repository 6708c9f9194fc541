import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, waitForExit } from '../../helpers/cli.js';
import { useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import { failedAttempts, hsmChild, runsLog, slurmEnv, slurmProject, statusJson } from './slurm-helpers.js';

// Real memory limits: the test Slurm enforces `--mem` with the kernel's memory cgroup (task/cgroup,
// ConstrainRAMSpace in scripts/infra/slurm-up.sh), so a task over its limit is OOM-killed and Slurm
// records OUT_OF_MEMORY, as on a production cluster.

describe.skipIf(NO_INFRA)('memory limits on the real Slurm', () => {
  useSlurmLock('shared');
  beforeAll(() => ensureBuilt());

  it('a task over its `mem:` is `oom` in `hsm status --json`; by default it runs again with twice the memory', async () => {
    const env = slurmEnv();
    // ~84 MB held at once (tail keeps its whole one-line input): over 64M, under 128M
    const source =
      '  cluster: {type: slurm, partition: debug, mem: 64M, time: "00:02:00", poll_interval: 2s}\n';
    const hog = 'head -c 80M /dev/zero | tail > /dev/null || exit 1; ';
    const once = slurmProject(`${source}retry:\n  oom: none\n`, [1], hog);
    const retried = slurmProject(source, [1], hog);
    const [onceEnd, retriedEnd] = await Promise.all([
      waitForExit(hsmChild(['run', '--source', 'cluster'], once, env)),
      waitForExit(hsmChild(['run', '--source', 'cluster'], retried, env)),
    ]);

    // not retried (retry: oom: none): the task ends `oom`, as Slurm said
    const o = statusJson(once, env).tasks[0]!;
    expect(onceEnd.code, JSON.stringify(o)).toBe(1);
    expect(
      o,
      'Slurm enforces memory with the cgroup v1 memory controller (scripts/infra/slurm-up.sh logs when it cannot)',
    ).toMatchObject({ status: 'failed', termination_reason: 'oom', attempts: 1 });
    expect(o.detail).toMatch(/Slurm killed the job for exceeding its memory limit on node[123]/);

    // the default policy: once more, with twice the memory, and it completes
    const t = statusJson(retried, env).tasks[0]!;
    expect(retriedEnd.code, JSON.stringify(t)).toBe(0);
    expect(t).toMatchObject({ status: 'completed', attempts: 2 });
    expect(runsLog(retried)).toEqual(['task_001', 'task_001']);
    const [first, ...more] = failedAttempts(retried, env);
    expect(more).toEqual([]);
    expect(first).toMatchObject({ attempt: 1, termination_reason: 'oom', retrying: true });
    expect(first!.evidence).toMatch(/out of memory/);
    // the second job asked Slurm for twice the memory
    const scripts = join(statusJson(retried, env).sweep_dir, 'scripts', 'job_scripts');
    const mems = readdirSync(scripts)
      .filter((f) => f.endsWith('.sh'))
      .sort()
      .map((f) => /^#SBATCH --mem=(\S+)$/m.exec(readFileSync(join(scripts, f), 'utf8'))?.[1]);
    expect(mems).toEqual(['64M', '128M']);
  }, 120_000);
});

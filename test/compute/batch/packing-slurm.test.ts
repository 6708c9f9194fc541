import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ensureBuilt, hsm, waitForExit } from '../../helpers/cli.js';
import { useSlurmLock } from '../../helpers/slurm-lock.js';
import { readExitRecord } from '../../../src/process/task-records.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import {
  countingShims,
  hsmChild,
  runsLog,
  slurmEnv,
  slurmProject,
  statusJson,
  waitUntil,
} from '../slurm/slurm-helpers.js';

// `tasks_per_job` on the real Slurm of scripts/infra: short tasks packed N to an allocation, each
// still with its own records, exit code and timeout; a task its allocation never reached goes back
// to pending and runs once, later.
const xs = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe.skipIf(NO_INFRA)('packing tasks into Slurm allocations (tasks_per_job)', () => {
  useSlurmLock('shared');
  beforeAll(() => ensureBuilt());

  it('20 tasks, 5 per job: one array of 4 elements; every task its records; one times out alone', () => {
    const shims = countingShims();
    const env = slurmEnv(shims.dir);
    // x=7 hangs: hsm's --timeout stops it alone, inside the allocation its neighbours share
    const dir = slurmProject(
      '  cluster: {type: slurm, partition: debug, time: "00:02:00", tasks_per_job: 5}\n',
      xs(20),
      'if [ {x} = 7 ]; then sleep 60; fi; ',
    );
    const r = hsm(['run', '--source', 'cluster', '--timeout', '3s'], dir, env, 50_000);
    expect(r.code, r.stderr).toBe(1);
    const s = statusJson(dir, env);
    expect(s.counts).toMatchObject({ completed: 19, failed: 1 });
    expect(s.tasks.find((t) => t.name === 'task_007')).toMatchObject({
      status: 'failed',
      termination_reason: 'timeout',
      detail: 'timed out after 3s',
    });
    // its element's other tasks (6, 8, 9, 10) ran to the end after it
    for (const x of xs(20)) {
      const task = `task_${String(x).padStart(3, '0')}`;
      const exit = readExitRecord(join(s.sweep_dir, 'tasks', task, 'exit'), 1);
      expect(exit?.exit, task).toBe(x === 7 ? 143 : 0);
      if (x !== 7)
        expect(readFileSync(join(s.sweep_dir, 'tasks', task, 'stdout.log'), 'utf8')).toBe(`ran ${x}\n`);
    }
    expect(runsLog(dir).sort()).toEqual(
      xs(20)
        .map((x) => `task_${String(x).padStart(3, '0')}`)
        .sort(),
    );
    const script = readFileSync(join(s.sweep_dir, 'scripts', 'job_scripts', 'job_0001.sh'), 'utf8');
    expect(script).toContain('#SBATCH --array=0-3');
    expect(shims.calls().filter((c) => c.startsWith('sbatch '))).toHaveLength(1);
  });

  it('Ctrl-C: the running task of each allocation is cancelled, those it never reached go back to pending', async () => {
    const env = slurmEnv();
    const dir = slurmProject(
      '  cluster: {type: slurm, partition: debug, time: "00:02:00", tasks_per_job: 3}\n',
      xs(6),
      'touch started.{x}; while [ ! -e go ]; do sleep 0.1; done; ',
    );
    onTestFinished(() => writeFileSync(join(dir, 'go'), ''));
    const run = hsmChild(['run', '--source', 'cluster', '--sweep-id', 'packed'], dir, env);
    let stderr = '';
    run.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitUntil('the first task of both allocations to start', 40_000, () =>
      [1, 4].every((x) => existsSync(join(dir, `started.${x}`))),
    );
    run.kill('SIGINT');
    expect((await waitForExit(run)).code, stderr).toBe(130);
    const s = statusJson(dir, env);
    expect(s.counts).toMatchObject({ cancelled: 2, pending: 4, completed: 0 });
    for (const x of [2, 3, 5, 6]) expect(existsSync(join(dir, `started.${x}`))).toBe(false);
    writeFileSync(join(dir, 'go'), '');
    const c = hsm(['complete', 'packed', '--source', 'cluster'], dir, env, 50_000);
    expect(c.code, c.stderr).toBe(0);
    expect(statusJson(dir, env).counts).toMatchObject({ completed: 6 });
    // the two cancelled ran again; those never reached ran once, now: none lost, none twice
    const runs = runsLog(dir);
    expect(runs.filter((t) => t === 'task_001' || t === 'task_004')).toHaveLength(4);
    for (const t of ['task_002', 'task_003', 'task_005', 'task_006'])
      expect(runs.filter((r) => r === t)).toEqual([t]);
  });

  it('Ctrl-C while the whole array waits in the queue: every task goes back to pending at once', async () => {
    const env = slurmEnv();
    // --begin keeps the array pending: none of its elements ever starts (sacct then has one record
    // for the whole array, without an index)
    const dir = slurmProject(
      '  cluster: {type: slurm, partition: debug, time: "00:02:00", tasks_per_job: 2, extra_directives: ["--begin=now+3600"]}\n',
      xs(4),
    );
    const run = hsmChild(['run', '--source', 'cluster', '--sweep-id', 'waiting'], dir, env);
    let stderr = '';
    run.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const log = join(dir, 'sweeps', 'outputs', 'waiting', 'logs', 'sweep.log');
    await waitUntil('the array to be submitted', 40_000, () => {
      try {
        return readFileSync(log, 'utf8').includes('"command":"sbatch"');
      } catch {
        return false; // the sweep directory is not there yet
      }
    });
    const t0 = Date.now();
    run.kill('SIGINT');
    expect((await waitForExit(run)).code, stderr).toBe(130);
    // not the 90 s after which an element with no word at all is reported lost
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(statusJson(dir, env).counts).toMatchObject({ pending: 4, lost: 0 });
    expect(runsLog(dir)).toEqual([]);
  });
});

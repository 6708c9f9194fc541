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
  type StatusJson,
} from './slurm-helpers.js';

// Termination reasons Slurm gives, produced for real and reported by `hsm status --json` (the
// audit of every reason is in docs/slurm.md). Slurm enforces time limits in whole minutes, so the
// time limit case takes a little over 60 s: every case of this file is started at once, before the
// first test, and each test waits for its own sweep to end.

// every reason ends the task: the policy that runs some of them again is tested in the other files
const ONCE = 'retry:\n  failed: none\n  timeout: none\n  lost: none\n';
const CLUSTER = `  cluster: {type: slurm, partition: debug, time: "00:01:00", poll_interval: 2s}\n${ONCE}`;
// a task that waits for its start record: what it does next happens to a task hsm knows started
const STARTED = 'until grep -q pid= $HSM_TASK_DIR/started; do sleep 0.1; done; ';

type Task = StatusJson['tasks'][number];
interface Ended {
  code: number | null;
  task: Task;
  runs: string[];
}

describe.skipIf(NO_INFRA)('termination reasons from the real Slurm', () => {
  useSlurmLock('shared');
  const env = slurmEnv();
  const cases = new Map<string, Promise<Ended>>();

  /** `hsm run` of a one-task project; `during` acts on the running sweep (its id given). */
  async function sweep(extra: string, source = CLUSTER, during?: (id: string, dir: string) => Promise<void>) {
    const dir = slurmProject(source, [1], extra);
    const child = hsmChild(['run', '--source', 'cluster'], dir, env);
    if (during) await during((await sweepStatus(dir, env, child)).sweep_id, dir);
    const end = await waitForExit(child);
    return { code: end.code, task: statusJson(dir, env, child).tasks[0]!, runs: runsLog(dir) };
  }
  function start(name: string, run: () => Promise<Ended>): void {
    const p = run();
    p.catch(() => undefined); // awaited by its test; not an unhandled rejection meanwhile
    cases.set(name, p);
  }

  beforeAll(() => {
    ensureBuilt();
    start('timeout', () => sweep('sleep 300; '));
    start('cancelled', () =>
      sweep('sleep 300; ', undefined, async (id, dir) => {
        await waitUntil('the task to run', 60_000, () => runsLog(dir).length === 1);
        execFileSync('scancel', [`--name=hsm-${id}`], { env: { ...process.env, ...env } });
      }),
    );
    // the task kills the runner, its parent (the job's batch script), with SIGKILL: the job ends
    // FAILED 0:9 with the task started and no exit record written
    start('lost', () => sweep(`${STARTED}kill -9 $PPID; `));
    // SIGKILL, which a local source would take for the kernel's out-of-memory killer: here sacct
    // says FAILED, not OUT_OF_MEMORY, so it is a kill and not retried as an OOM
    start('signal', () => sweep(`${STARTED}kill -KILL $$; `));
    // a deadline the job cannot meet (its time limit ends later): Slurm ends it DEADLINE unstarted
    start('deadline', () =>
      sweep(
        '',
        // a timeout would be run again, with twice the time: a deadline must not be
        `  cluster: {type: slurm, partition: debug, time: "00:05:00", poll_interval: 2s, extra_directives: ["--deadline=now+60"]}\n` +
          'retry:\n  timeout: {retries: 1, time: 2}\n',
      ),
    );
  });

  it('a job past its time limit is `timeout`', async () => {
    const { code, task } = await cases.get('timeout')!;
    expect(code, JSON.stringify(task)).toBe(1);
    expect(task).toMatchObject({
      status: 'failed',
      termination_reason: 'timeout',
      exit_code: null,
      attempts: 1,
    });
    expect(task.detail).toMatch(/Slurm ended the job at its time limit on node[123]/);
  }, 240_000);

  it('a job cancelled with scancel outside hsm is `cancelled`', async () => {
    const { code, task } = await cases.get('cancelled')!;
    expect(code, JSON.stringify(task)).toBe(1);
    expect(task).toMatchObject({ status: 'cancelled', termination_reason: 'cancelled', exit_code: null });
    expect(task.detail).toMatch(/cancelled in Slurm on node[123]/);
  }, 240_000);

  it('a job whose runner was killed inside the allocation (no exit record) is `lost`', async () => {
    const { code, task, runs } = await cases.get('lost')!;
    expect(code, JSON.stringify(task)).toBe(1);
    expect(task).toMatchObject({ status: 'lost', termination_reason: 'lost', exit_code: null, attempts: 1 });
    expect(task.host).toMatch(/^node[123]$/);
    expect(task.detail).toContain('the job ended (FAILED) but the runner wrote no exit record');
    expect(runs).toEqual(['task_001']);
  }, 240_000);

  it('a task killed by a signal (SIGKILL, not an OOM for sacct) is `failed` with that signal', async () => {
    const { code, task } = await cases.get('signal')!;
    expect(code, JSON.stringify(task)).toBe(1);
    expect(task).toMatchObject({
      status: 'failed',
      termination_reason: 'failed',
      exit_code: null,
      attempts: 1,
      signal: 'SIGKILL',
      detail: 'killed by SIGKILL',
    });
  }, 240_000);

  it('a job that cannot end before its `--deadline` is `cancelled` at its deadline, never started, not retried', async () => {
    const { code, task, runs } = await cases.get('deadline')!;
    expect(code, JSON.stringify(task)).toBe(1);
    expect(task).toMatchObject({
      status: 'cancelled',
      termination_reason: 'cancelled',
      exit_code: null,
      attempts: 1,
    });
    expect(task.detail).toContain('Slurm ended the job at its deadline');
    expect(task.detail).toContain('not run again');
    expect(runs).toEqual([]);
  }, 240_000);
});

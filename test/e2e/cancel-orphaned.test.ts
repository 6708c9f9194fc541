import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { isProcessAlive, readProcessCommandLine } from '../../src/process/process-liveness.js';
import { childrenOf } from '../../src/process/process-tree.js';
import { SweepStore } from '../../src/state/sweep-store.js';
import { until } from '../helpers/wait.js';

// `hsm cancel` when the hsm process running the sweep is dead (kill -9): the runners it left are
// stopped themselves (nothing more starts), what they had queued is withdrawn, tasks that ignore TERM
// are killed after the grace period, and the store records the started ones `cancelled`.

beforeAll(() => ensureBuilt());

const TASKS = 12;
const pids: number[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
  // only what is still ours: pids are reused quickly (pid_max may be 32768)
  for (const p of pids.splice(0))
    if (isProcessAlive(p) && /sleep 300/.test(readProcessCommandLine(p) ?? '')) process.kill(p, 'SIGKILL');
});

describe('hsm cancel of a sweep whose hsm process is gone', () => {
  it('stops the runners, withdraws queued tasks, kills TERM-ignoring tasks, records cancelled', async () => {
    const values = Array.from({ length: TASKS }, (_, i) => i + 1).join(', ');
    const dir = makeProject(`name: orphan
command: ["sh", "-c", "trap '' TERM; echo $$ > pid_{i}; echo start {i} >> ledger; sleep 300"]
args: none
sweep:
  grid:
    i: [${values}]
`);
    const run = hsmAsync(['run', '--jobs', '2', '--sweep-id', 'orph_1'], dir);
    const started = () => readLedger(dir).length;
    await until('two tasks started', () => started() >= 2, 60_000, 20);
    run.kill('SIGKILL');
    await waitForExit(run);
    const store = SweepStore.open(join(dir, 'sweeps', 'outputs', 'orph_1', 'sweep.db'), { readonly: true });
    const runnerPids = JSON.parse(store.getMeta('source:local:runner_pids') ?? '[]') as number[];
    store.close();
    expect(runnerPids.filter(isProcessAlive)).toHaveLength(2);
    const taskPids = [1, 2].map((i) => Number(readFileSync(join(dir, `pid_${i}`), 'utf8')));
    pids.push(...taskPids);

    const r = hsm(['cancel', 'orph_1', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { killed_tasks: string[]; signalled_pid: number | null };
    expect(out.signalled_pid).toBeNull();
    expect(out.killed_tasks.sort()).toEqual(['task_001', 'task_002']);
    // the tasks ignored TERM: they were killed after the grace period, before cancel returned
    expect(taskPids.filter(isProcessAlive)).toEqual([]);
    // nothing more started: the runners are gone, so nothing can start later either
    expect(runnerPids.filter(isProcessAlive)).toEqual([]);
    expect(readLedger(dir).sort()).toEqual(['start 1', 'start 2']);
    const status = JSON.parse(hsm(['status', 'orph_1', '--json'], dir).stdout) as {
      counts: Record<string, number>;
      tasks: { name: string; status: string; termination_reason: string | null }[];
    };
    expect(status.counts).toMatchObject({ running: 0, queued: 0, cancelled: 2, pending: TASKS - 2 });
    for (const name of ['task_001', 'task_002'])
      expect(status.tasks.find((t) => t.name === name)).toMatchObject({
        status: 'cancelled',
        termination_reason: 'cancelled',
      });
  });

  // A runner forked a task, and its started record is not written yet (HSM_RUNNER_HOLD holds it
  // there: under sh the task writes the record itself, under bash the runner does while the task
  // runs, here until the hold goes). Under sh (no job control) that task shares the runner's process
  // group, so a signal to its own group reaches nothing. The cancel must still stop it, or it runs on
  // after the sweep recorded it as never started, and `hsm complete` runs it a second time.
  it('stops a task its runner forked before the task recorded its start', async () => {
    const dir = makeProject(`name: stray
command: ["sh", "-c", "while [ -e hold ]; do sleep 0.02; done; echo end {i} >> ledger"]
args: none
sweep:
  grid:
    i: [1]
`);
    const hold = join(dir, 'hold');
    writeFileSync(hold, '');
    const run = hsmAsync(['run', '--jobs', '1', '--sweep-id', 'stray_1'], dir, { HSM_RUNNER_HOLD: hold });
    // should the test fail midway: nothing held forever, no hsm left running
    cleanups.push(() => {
      run.kill('SIGKILL');
      rmSync(hold, { force: true });
    });
    const sweepDir = join(dir, 'sweeps', 'outputs', 'stray_1');
    // held: the runner reserved the task's records (so its next child is the task) and forked it,
    // and the task has not written its started record over the reservation
    const runner = await until(
      'the runner forked the task',
      () => {
        if (readFileSync(join(sweepDir, 'tasks', 'task_001', 'started'), 'utf8') !== 'attempt=1\n')
          return null;
        const store = SweepStore.open(join(sweepDir, 'sweep.db'), { readonly: true });
        try {
          const [p] = JSON.parse(store.getMeta('source:local:runner_pids') ?? '[]') as number[];
          return p !== undefined && descendants(p).length > 0 ? p : null;
        } finally {
          store.close();
        }
      },
      60_000,
      20,
    );
    const forked = descendants(runner);
    run.kill('SIGKILL');
    await waitForExit(run);

    const r = hsm(['cancel', 'stray_1', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const survivors = forked.filter(isProcessAlive);
    rmSync(hold); // a surviving task would now record its start and run to its end
    await until('every process of the first fork gone', () => forked.every((p) => !isProcessAlive(p)));
    expect(survivors, 'processes of the first fork alive after the cancel').toEqual([]);
    const status = JSON.parse(hsm(['status', 'stray_1', '--json'], dir).stdout) as {
      tasks: { name: string; status: string }[];
    };
    expect(status.tasks[0]).toMatchObject({ name: 'task_001', status: 'pending' });

    const done = hsm(['complete', 'stray_1', '--json'], dir);
    expect(done.code, done.stderr).toBe(0);
    expect(readLedger(dir).filter((l) => l === 'end 1')).toHaveLength(1);
  });
});

function descendants(pid: number): number[] {
  return childrenOf(pid).flatMap((c) => [c, ...descendants(c)]);
}

function readLedger(dir: string): string[] {
  const path = join(dir, 'ledger');
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean) : [];
}

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';

// kill -9 of `hsm run` at several moments, then `hsm complete`: every task ends completed exactly once,
// in the store and on disk, and no task ran twice (each task appends to a ledger when it starts/ends).
// The last task waits, once started, for a file the test writes after the kill: however late a loaded
// machine lets the test see the ledger, the kill still comes mid-sweep.

const TASKS = 14;

function project() {
  const values = Array.from({ length: TASKS }, (_, i) => i + 1).join(', ');
  return makeProject(
    `name: crash
command: ["sh", "-c", "echo start {i} >> ledger; if [ {i} = ${TASKS} ]; then while [ ! -e release ]; do sleep 0.05; done; fi; sleep 0.3; echo end {i} >> ledger"]
args: none
sweep:
  grid:
    i: [${values}]
`,
  );
}

// lets the last task end
const release = (dir: string) => writeFileSync(join(dir, 'release'), '');

beforeAll(() => ensureBuilt());

// Lines the tasks have appended to the ledger so far (`start i` / `end i`).
function ledgerLines(dir: string): number {
  try {
    return readFileSync(join(dir, 'ledger'), 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

// Every task appended `start i` and `end i` to the ledger exactly once: nothing lost, nothing run twice.
function expectEachTaskRanOnce(dir: string): void {
  const ledger = readFileSync(join(dir, 'ledger'), 'utf8').trim().split('\n');
  for (let i = 1; i <= TASKS; i++) {
    expect(
      ledger.filter((l) => l === `start ${i}`),
      `task ${i} started`,
    ).toHaveLength(1);
    expect(
      ledger.filter((l) => l === `end ${i}`),
      `task ${i} ended`,
    ).toHaveLength(1);
  }
}

describe('crash and resume', () => {
  // The moments of the kill: when the sweep exists, and when the tasks have written this many ledger
  // lines (starts and ends; 2 per task), one of them random.
  const random = 1 + Math.floor(Math.random() * (TASKS * 2 - 4));
  for (const lines of [0, 1, 5, 12, random]) {
    it(`kill -9 when the sweep exists and the ledger has ${lines} lines, then hsm complete: every task completed exactly once`, async () => {
      const dir = project();
      const child = hsmAsync(['run', '--jobs', '3', '--sweep-id', 'crash_1'], join(dir, 'sweeps'));
      const db = join(dir, 'sweeps', 'outputs', 'crash_1', 'sweep.db');
      await until('the sweep to exist', () => existsSync(db), 60_000, 10);
      await until(`${lines} ledger lines`, () => ledgerLines(dir) >= lines, 60_000, 10);
      child.kill('SIGKILL');
      await waitForExit(child);
      // the store as the kill left it: `hsm status` would take in what the runners, which outlive hsm,
      // recorded since (all 14 tasks were handed over), and `hsm complete` below is what must recover
      const { SweepStore } = await import('../../src/state/sweep-store.js');
      const store = SweepStore.open(db, { readonly: true });
      const completedAtKill = store.counts().completed;
      store.close();
      expect(completedAtKill).toBeLessThan(TASKS); // the kill came mid-sweep

      release(dir);
      const done = hsm(['complete', 'crash_1', '--jobs', '3', '--json'], dir);
      expect(done.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
      expect(done.code).toBe(0);
      const status = JSON.parse(done.stdout) as {
        counts: Record<string, number>;
        tasks: { name: string; status: string; attempts: number }[];
      };
      expect(status.counts.completed).toBe(TASKS);
      // an attempt still queued in a dead run's runner is withdrawn and run again as attempt 2: the
      // ledger below is what proves nothing ran twice
      for (const t of status.tasks) expect(t.status).toBe('completed');

      expectEachTaskRanOnce(dir);
      const sweepDir = join(dir, 'sweeps', 'outputs', 'crash_1');
      for (const t of status.tasks) {
        expect(readFileSync(join(sweepDir, 'tasks', t.name, 'exit'), 'utf8')).toBe(
          `attempt=${t.attempts} exit=0\n`,
        );
        expect(readFileSync(join(sweepDir, 'tasks', t.name, 'status.yaml'), 'utf8')).toContain(
          'status: completed',
        );
      }
    });
  }

  it('two crashes in a row (hsm run, then hsm complete while the first runners still work): still exactly once', async () => {
    const dir = project();
    const run = hsmAsync(['run', '--jobs', '3', '--sweep-id', 'crash_2'], dir);
    const db = join(dir, 'sweeps', 'outputs', 'crash_2', 'sweep.db');
    await until('the sweep to exist', () => existsSync(db), 60_000, 10);
    await until('4 ledger lines', () => ledgerLines(dir) >= 4, 60_000, 10);
    run.kill('SIGKILL');
    await waitForExit(run);
    const atSecondStart = ledgerLines(dir);
    const again = hsmAsync(['complete', 'crash_2', '--jobs', '3'], dir);
    // killed while tasks of both runs are under way: the ledger has moved on since it started
    await until(
      '2 more ledger lines',
      () => ledgerLines(dir) >= Math.min(atSecondStart + 2, TASKS * 2 - 2),
      60_000,
      10,
    );
    again.kill('SIGKILL');
    await waitForExit(again);
    release(dir);
    const done = hsm(['complete', 'crash_2', '--jobs', '3', '--json'], dir);
    expect(done.code, done.stderr).toBe(0);
    expect((JSON.parse(done.stdout) as { counts: { completed: number } }).counts.completed).toBe(TASKS);
    expectEachTaskRanOnce(dir);
  });

  it('Ctrl-C: running tasks are cancelled, hsm exits 130, and hsm complete finishes the sweep', async () => {
    const dir = project();
    const child = hsmAsync(['run', '--jobs', '2', '--sweep-id', 'int_1'], dir);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    await until('a running task', () => {
      const st = hsm(['status', 'int_1', '--json'], dir);
      return st.code === 0 && (JSON.parse(st.stdout) as { counts: { running: number } }).counts.running > 0;
    });
    child.kill('SIGINT');
    const exit = await waitForExit(child);
    expect(exit.code).toBe(130);
    expect(err).toContain('interrupted');
    const st = JSON.parse(hsm(['status', 'int_1', '--json'], dir).stdout) as {
      counts: { running: number; queued: number; completed: number };
    };
    expect(st.counts.running + st.counts.queued).toBe(0);
    expect(st.counts.completed).toBeLessThan(TASKS);
    release(dir);
    const done = hsm(['complete', 'int', '--retry-failed', '--json'], dir);
    expect(done.code).toBe(0);
    expect((JSON.parse(done.stdout) as { counts: Record<string, number> }).counts.completed).toBe(TASKS);
  });
});

describe('adoption after a crash, case by case', () => {
  it('runs again a task committed as queued but never handed over, and one whose process vanished without an exit record', async () => {
    const dir = project();
    release(dir);
    expect(hsm(['run', '--dry-run'], dir).code).toBe(0);
    // create the sweep without running it (a run killed at once may already have handed tasks over)
    const { openProject } = await import('../../src/api/project.js');
    const { planSweep, createSweep } = await import('../../src/api/sweep-plan.js');
    const context = openProject(dir);
    (await createSweep(context, planSweep(context, {}), 'adopt_1')).store.close();
    const db = join(dir, 'sweeps', 'outputs', 'adopt_1', 'sweep.db');
    const { SweepStore } = await import('../../src/state/sweep-store.js');
    const store = SweepStore.open(db);
    // task_013: queued (committed) but never handed to a runner; task_014: "running" as pid 999999999,
    // which does not exist, with a started record and no exit record
    store.apply([
      { kind: 'queued', task: 'task_013', attempt: 1, source: 'local', at: Date.now() },
      { kind: 'queued', task: 'task_014', attempt: 1, source: 'local', at: Date.now() },
      { kind: 'started', task: 'task_014', attempt: 1, handle: '999999999', host: 'vm', at: Date.now() },
    ]);
    store.close();
    const t14 = join(dir, 'sweeps', 'outputs', 'adopt_1', 'tasks', 'task_014');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(t14, { recursive: true });
    writeFileSync(join(t14, 'started'), 'attempt=1 pid=999999999 host=vm\n');

    const done = hsm(['complete', 'adopt_1', '--json'], dir);
    expect(done.code, done.stderr).toBe(0);
    const status = JSON.parse(done.stdout) as {
      counts: { completed: number };
      tasks: { name: string; status: string; attempts: number }[];
    };
    expect(status.counts.completed).toBe(TASKS);
    expect(status.tasks.find((t) => t.name === 'task_013')).toMatchObject({
      status: 'completed',
      attempts: 2,
    });
    expect(status.tasks.find((t) => t.name === 'task_014')).toMatchObject({
      status: 'completed',
      attempts: 2,
    });
    expect(readFileSync(join(t14, 'attempts', '1', 'started'), 'utf8')).toBe(
      'attempt=1 pid=999999999 host=vm\n',
    );
  });
});

import { existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';
import { expectEachRanOnce, ledger } from '../helpers/ledger.js';

// The store's write-ahead log (sweep.db-wal) deleted while a sweep runs, then hsm killed: the store
// falls back to what was checkpointed (every task pending). The task directories' records are the
// truth: `hsm complete` reconciles the store from them before it runs anything, so no finished task
// runs again and no finished attempt's files are overwritten.

const TASKS = 10;

beforeAll(() => ensureBuilt());

describe('sweep.db-wal deleted mid-run', () => {
  it('complete reconciles from the task directories: every task ran exactly once, outputs kept', async () => {
    const values = Array.from({ length: TASKS }, (_, i) => i + 1).join(', ');
    const dir = makeProject(`name: wal
command: ["sh", "-c", "echo start {i} >> ledger; echo out {i}; sleep 0.4; echo end {i} >> ledger"]
args: none
sweep:
  grid:
    i: [${values}]
`);
    const run = hsmAsync(['run', '--jobs', '2', '--sweep-id', 'wal_1'], dir);
    const sweepDir = join(dir, 'sweeps', 'outputs', 'wal_1');
    const completed = () =>
      existsSync(join(sweepDir, 'tasks'))
        ? readdirSync(join(sweepDir, 'tasks')).filter((t) =>
            /exit=/.test(readIfAny(join(sweepDir, 'tasks', t, 'exit'))),
          )
        : [];
    await until('three tasks completed', () => completed().length >= 3, 60_000, 20);
    unlinkSync(join(sweepDir, 'sweep.db-wal'));
    run.kill('SIGKILL');
    await waitForExit(run);
    const before = JSON.parse(hsm(['status', 'wal_1', '--json'], dir).stdout) as {
      counts: Record<string, number>;
    };
    expect(before.counts.completed, 'the store lost its recent transactions').toBe(0);

    const done = hsm(['complete', 'wal_1', '--jobs', '2', '--json'], dir);
    expect(done.code, done.stderr).toBe(0);
    const status = JSON.parse(done.stdout) as {
      counts: Record<string, number>;
      tasks: { name: string; attempts: number; status: string }[];
    };
    expect(status.counts.completed).toBe(TASKS);
    expectEachRanOnce(ledger(dir), TASKS);
    // every task's own output is at the top of its directory, next to the exit record of that attempt
    for (const t of status.tasks) {
      const i = Number(t.name.slice(5));
      expect(readFileSync(join(sweepDir, 'tasks', t.name, 'stdout.log'), 'utf8')).toBe(`out ${i}\n`);
      expect(readFileSync(join(sweepDir, 'tasks', t.name, 'exit'), 'utf8')).toBe(
        `attempt=${t.attempts} exit=0\n`,
      );
    }
  });
});

function readIfAny(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { isProcessAlive } from '../../src/process/process-liveness.js';
import { SweepStore } from '../../src/state/sweep-store.js';
import { until } from '../helpers/wait.js';

// A runner of the local source that dies under a running task (kill -9, the OOM killer) cannot record
// how the task ends, so hsm records the attempt `lost` and runs the task again. The task of the dead
// runner must not run on beside its second attempt: under sh it shares the runner's process group
// and outlives it, and would finish too, a second run of the task to its end.

beforeAll(() => ensureBuilt());

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('a runner killed under its task', () => {
  it('stops that task; the task runs again and ends once', async () => {
    const dir = makeProject(`name: rdeath
command: ["sh", "-c", "echo start {i} $$ >> ledger; while [ ! -e go ]; do sleep 0.05; done; echo end {i} >> ledger"]
args: none
sweep:
  grid:
    i: [1]
`);
    const run = hsmAsync(['run', '--jobs', '1', '--sweep-id', 'rd_1', '--json'], dir);
    cleanups.push(() => {
      run.kill('SIGKILL');
      writeFileSync(join(dir, 'go'), ''); // nothing of this test waits for ever
    });
    let stdout = '';
    run.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const first = await until('the task to start', () => starts(dir)[0], 60_000, 20);
    const store = SweepStore.open(join(dir, 'sweeps', 'outputs', 'rd_1', 'sweep.db'), { readonly: true });
    const [runner] = JSON.parse(store.getMeta('source:local:runner_pids') ?? '[]') as number[];
    store.close();
    expect(runner).toBeGreaterThan(0);
    process.kill(runner!, 'SIGKILL');

    // the second attempt starts (hsm took the first as lost), then both would be free to end
    await until('the task to start again', () => starts(dir).length === 2);
    writeFileSync(join(dir, 'go'), '');
    const exit = await waitForExit(run);
    expect(exit.code, stdout).toBe(0);
    const st = JSON.parse(hsm(['status', 'rd_1', '--json'], dir).stdout) as {
      tasks: { status: string; attempts: number }[];
    };
    expect(st.tasks[0]).toMatchObject({ status: 'completed', attempts: 2 });
    // the first attempt's process, had it been left running, sees `go` too and ends
    await until('the first attempt to be gone', () => !isProcessAlive(first));
    expect(ledger(dir).filter((l) => l === 'end 1')).toEqual(['end 1']);
  });
});

// The pids of the task's attempts, in the order they started.
function starts(dir: string): number[] {
  return ledger(dir)
    .filter((l) => l.startsWith('start 1 '))
    .map((l) => Number(l.split(' ')[2]));
}

function ledger(dir: string): string[] {
  const path = join(dir, 'ledger');
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean) : [];
}

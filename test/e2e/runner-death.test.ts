import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HSM_BIN, ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { isProcessAlive, readProcessCommandLine } from '../../src/process/process-liveness.js';
import { childrenOf } from '../../src/process/process-tree.js';
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

// A runner without a cgroup (bash: each task in a process group of its own) that dies between forking
// a task and recording its start leaves a task that no record, report or group of the runner's names.
// It must be found and killed before the task runs again, or it runs on unseen beside its second
// attempt. The runner is held there by HSM_RUNNER_HOLD (the task does not run while it is held). As
// root, hsm would give its runners cgroups: it runs as nobody, who cannot write root's cgroup (the
// case of every user without a delegated cgroup); another user runs it as themself.
describe('a runner without a cgroup killed between forking a task and its started record', () => {
  it('hsm complete kills what that runner forked; the task ends once', async () => {
    const { dir, hold, run } = await startHeld('rb_1');
    const { runner, forked } = await heldFork(run.pid!, hold);
    run.kill('SIGKILL');
    await waitForExit(run);
    process.kill(runner, 'SIGKILL');
    await until('the runner to be gone', () => !isProcessAlive(runner));

    const done = asUser(['complete', 'rb_1', '--json'], dir);
    expect(done.code, done.stderr).toBe(0);
    expect(forked.filter(isProcessAlive), 'processes of the first fork alive after complete').toEqual([]);
    rmSync(hold); // a surviving fork would record its start now and run the task to its end
    expect(ledger(dir).filter((l) => l === 'end 1')).toEqual(['end 1']);
    const st = JSON.parse(asUser(['status', 'rb_1', '--json'], dir).stdout) as {
      tasks: { status: string }[];
    };
    expect(st.tasks[0]).toMatchObject({ status: 'completed' });
  });

  it('hsm complete that adopted the live runner kills what it forked once it dies; the task ends once', async () => {
    const { dir, hold, run } = await startHeld('rb_3');
    const { runner, forked } = await heldFork(run.pid!, hold);
    run.kill('SIGKILL');
    await waitForExit(run);
    const log = join(dir, 'sweeps', 'outputs', 'rb_3', 'logs', 'sweep.log');
    const before = runStarts(log); // the killed run's line may never have been written
    const [cmd, ...rest] = userArgv(['complete', 'rb_3', '--json']);
    const complete = spawn(cmd!, rest, { cwd: dir, stdio: 'ignore', env: { ...process.env, HOME: dir } });
    cleanups.push(() => complete.kill('SIGKILL'));
    // complete took the attempt over, its runner alive (the task's own start still to come)
    await until('complete to adopt the attempt', () => runStarts(log) > before);
    expect(isProcessAlive(runner)).toBe(true);
    process.kill(runner, 'SIGKILL');
    expect((await waitForExit(complete)).code).toBe(0);
    expect(forked.filter(isProcessAlive), 'processes of the first fork alive after complete').toEqual([]);
    rmSync(hold);
    expect(ledger(dir).filter((l) => l === 'end 1')).toEqual(['end 1']);
  });

  it('a running hsm kills what that runner forked before the task runs again; it ends once', async () => {
    const { dir, hold, run } = await startHeld('rb_2');
    const { runner, forked } = await heldFork(run.pid!, hold);
    process.kill(runner, 'SIGKILL');
    // hsm took the attempt as lost and handed the task to a new runner, which forked it (held too)
    await until('the task forked again by another runner', () =>
      runnersOf(run.pid!).some((r) => r !== runner && descendants(r).length > 0),
    );
    expect(forked.filter(isProcessAlive), 'processes of the first fork alive at the second').toEqual([]);
    rmSync(hold);
    const exit = await waitForExit(run);
    expect(exit.code).toBe(0);
    expect(ledger(dir).filter((l) => l === 'end 1')).toEqual(['end 1']);
  });
});

const asRoot = process.getuid?.() === 0;

function userArgv(args: string[]): string[] {
  return asRoot
    ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, HSM_BIN, ...args]
    : [process.execPath, HSM_BIN, ...args];
}

function asUser(args: string[], cwd: string) {
  const [cmd, ...rest] = userArgv(args);
  const r = spawnSync(cmd!, rest, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', HOME: cwd },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// hsm run of one task (it appends `end 1` to the ledger), its runner held once it forked the task.
async function startHeld(id: string) {
  const dir = makeProject(`name: rbash
command: ["sh", "-c", "echo end {i} >> ledger"]
args: none
sweep:
  grid:
    i: [1]
`);
  chmodSync(dir, 0o755);
  if (asRoot) for (const p of walk(dir)) chownSync(p, 65534, 65534);
  const hold = join(dir, 'hold');
  writeFileSync(hold, '');
  const [cmd, ...rest] = userArgv(['run', '--jobs', '1', '--sweep-id', id]);
  const run = spawn(cmd!, rest, {
    cwd: dir,
    stdio: 'ignore',
    env: { ...process.env, NO_COLOR: '1', HOME: dir, HSM_RUNNER_HOLD: hold },
  });
  cleanups.push(() => {
    run.kill('SIGKILL');
    rmSync(hold, { force: true }); // nothing of this test waits for ever
  });
  return { dir, hold, run };
}

// The runner of hsm `hsmPid` once it forked the task (held before its started record), and what it forked.
async function heldFork(hsmPid: number, hold: string) {
  const runner = await until(
    'the runner forked the task',
    () => runnersOf(hsmPid).find((r) => descendants(r).length > 0) ?? null,
    60_000,
    20,
  );
  expect(existsSync(hold)).toBe(true);
  // without a cgroup the runner runs under bash, each task in its own process group
  expect(readProcessCommandLine(runner)).toMatch(/^bash .*hsm-runner\.sh serve/);
  return { runner, forked: descendants(runner) };
}

// How many runs of the sweep started (the sweep log's run:started lines).
function runStarts(log: string): number {
  return existsSync(log) ? (readFileSync(log, 'utf8').match(/run:started/g) ?? []).length : 0;
}

function runnersOf(hsmPid: number): number[] {
  return childrenOf(hsmPid).filter((p) => /hsm-runner\.sh serve/.test(readProcessCommandLine(p) ?? ''));
}

function descendants(pid: number): number[] {
  return childrenOf(pid).flatMap((c) => [c, ...descendants(c)]);
}

function walk(dir: string): string[] {
  return [
    dir,
    ...readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)],
    ),
  ];
}

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

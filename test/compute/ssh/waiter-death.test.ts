import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, waitForExit } from '../../helpers/cli.js';
import { isProcessAlive } from '../../../src/process/process-liveness.js';
import { NO_INFRA, sshInfra } from '../../remote/test-infra.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { until } from '../../helpers/wait.js';
import {
  agentsOf,
  descendants,
  ends,
  heldFork,
  startLines,
  starts,
  waitersOf,
} from '../remote-host/held-waiters.js';
import { hostHome, sshProject } from './ssh-project.js';

// On an ssh host, the runner's agent starts each task under a waiter of its own, which records how
// the task ends. A waiter killed (kill -9, the OOM killer) before the task's started record, or
// while it runs, leaves a task no record names, or whose end nothing can record: hsm runs the attempt
// again, so that task must not run on unseen beside it (a double run). The task is held between the
// fork and its started record by HSM_RUNNER_HOLD, set on the host through the ssh config (SetEnv) of
// the run alone (remote-host/held-waiters.ts finds the waiters and what they forked).

const HOST = 'node20';

beforeAll(() => ensureBuilt());

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe.skipIf(NO_INFRA)('an ssh task whose waiter is killed', () => {
  it('between the fork and the started record, with hsm killed too: hsm complete kills what it forked; the task ends once', async () => {
    const t = await heldRun(`wd_1_${process.pid}`);
    const { waiter, forked } = await heldFork(t.holdEntry);
    t.run.kill('SIGKILL');
    await waitForExit(t.run);
    process.kill(waiter, 'SIGKILL');
    t.closeMaster(); // its sessions carry the hold (SetEnv): hsm complete's must not

    const done = hsm(['complete', t.id, '--json', ...t.p.args], t.p.dir, {}, 120_000);
    expect(done.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(done.code, done.stderr).toBe(0);
    expect(forked.filter(isProcessAlive), 'processes of the first fork alive after complete').toEqual([]);
    rmSync(t.hold); // a surviving fork would record its start now and run the task to its end
    expect(ends(t.ledger)).toEqual(['end 1']);
    const st = JSON.parse(done.stdout) as { tasks: { status: string }[] };
    expect(st.tasks[0]).toMatchObject({ status: 'completed' });
  });

  it('between the fork and the started record, hsm running: what it forked is killed before the task runs again; it ends once', async () => {
    const t = await heldRun(`wd_2_${process.pid}`);
    const { waiter, forked } = await heldFork(t.holdEntry);
    process.kill(waiter, 'SIGKILL');
    // hsm took the attempt back as never started and handed it over again: a new waiter forked it (held)
    await until(
      'the task forked again by another waiter',
      () => waitersOf(t.holdEntry).some((w) => w !== waiter && descendants(w).length > 0),
      90_000,
    );
    expect(forked.filter(isProcessAlive), 'processes of the first fork alive at the second').toEqual([]);
    rmSync(t.hold);
    const exit = await waitForExit(t.run);
    expect(exit.code, t.stderr()).toBe(0);
    expect(ends(t.ledger)).toEqual(['end 1']);
  });

  it('while the task runs (after its started record): it is stopped, recorded lost and run again; it ends once', async () => {
    const t = await heldRun(`wd_3_${process.pid}`, { hold: false });
    const first = await until('the task to start', () => starts(t.ledger)[0], 60_000, 20);
    const waiter = await until('the waiter of the task', () => waitersOf(t.holdEntry).find(() => true));
    process.kill(waiter, 'SIGKILL');
    await until('the task to start again', () => starts(t.ledger).length === 2, 90_000);
    expect(isProcessAlive(first), 'the first attempt alive beside the second').toBe(false);
    writeFileSync(t.go, '');
    const exit = await waitForExit(t.run);
    expect(exit.code, t.stderr()).toBe(0);
    expect(ends(t.ledger)).toEqual(['end 1']);
    const st = JSON.parse(hsm(['status', t.id, '--json'], t.p.dir).stdout) as {
      tasks: { status: string; attempts: number }[];
    };
    expect(st.tasks[0]).toMatchObject({ status: 'completed', attempts: 2 });
  });
});

describe.skipIf(NO_INFRA)('the agent of an ssh host killed while tasks run', () => {
  it('the running tasks end and are recorded once; the tasks after them run too; exit 0', async () => {
    const t = await heldRun(`wd_4_${process.pid}`, { hold: false, tasks: 4 });
    await until('two tasks to start', () => startLines(t.ledger).length === 2, 60_000, 20);
    const [agent] = agentsOf(t.holdEntry);
    expect(agent).toBeGreaterThan(0);
    process.kill(agent!, 'SIGKILL');
    writeFileSync(t.go, '');
    const exit = await waitForExit(t.run);
    expect(exit.code, t.stderr()).toBe(0);
    for (let i = 1; i <= 4; i++) {
      expect(
        startLines(t.ledger).filter((l) => l.startsWith(`start ${i} `)),
        `task ${i} started once`,
      ).toHaveLength(1);
      expect(
        ends(t.ledger).filter((l) => l === `end ${i}`),
        `task ${i} ended once`,
      ).toHaveLength(1);
    }
    const st = JSON.parse(hsm(['status', t.id, '--json'], t.p.dir).stdout) as {
      tasks: { status: string; attempts: number }[];
    };
    expect(st.tasks.map((x) => x.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
  });
});

// hsm run of one task on HOST (sweep `id`: a sweep of an id used before finds that sweep's
// records and withdrawal markers in the host's task directories), appending `start 1 <pid>` and, once `go` exists (at once when
// `hold` is off), `end 1` to a ledger; with `hold`, each fork of it waits before its started record
// while the hold file exists.
async function heldRun(id: string, { hold: holding = true, tasks = 1 } = {}) {
  const infra = sshInfra();
  const tmp = makeTempDir('hsm-waiter-death-');
  const ledger = join(tmp, 'ledger');
  const go = join(tmp, 'go');
  writeFileSync(ledger, '');
  if (holding) writeFileSync(go, '');
  // the host's user appends to the ledger and reads `go`
  chmodSync(tmp, 0o777);
  chmodSync(ledger, 0o666);
  const name = `hold-${process.pid}-${id}`;
  const hold = join(hostHome(HOST), name);
  const remoteHold = `/home/hsmtest/${name}`;
  if (holding) writeFileSync(hold, '');
  const config = join(tmp, 'ssh_config');
  writeFileSync(config, `SetEnv HSM_RUNNER_HOLD=${remoteHold}\nInclude ${infra.configFile}\n`);
  const p = sshProject(
    `command: ["sh", "-c", "echo start {i} $$ >> ${ledger}; while [ ! -e ${go} ] && [ -e ${ledger} ]; do sleep 0.05; done; echo end {i} >> ${ledger}"]\nargs: none\nsweep:\n  grid:\n    i: [${Array.from({ length: tasks }, (_, i) => i + 1).join(', ')}]\n`,
    [{ name: 'n20', host: HOST, workdir: '~/hsm/waiter-death', extra: 'max_parallel: 2' }],
  );
  const run = hsmAsync(['run', '--source', 'n20', '--sync', '--sweep-id', id, '--ssh-config', config], p.dir);
  let stderr = '';
  run.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // the master connection applies the hold to every session through it (SetEnv)
  const closeMaster = () =>
    spawnSync('ssh', ['-F', config, '-o', `ControlPath=${p.cm}`, '-O', 'exit', HOST], { stdio: 'ignore' });
  cleanups.push(() => {
    run.kill('SIGKILL');
    rmSync(hold, { force: true }); // nothing of this test waits for ever
    writeFileSync(go, '');
    closeMaster();
    rmSync(join(hostHome(HOST), 'hsm/waiter-death/.hsm/sweeps', id), { recursive: true, force: true });
  });
  return {
    id,
    p,
    run,
    ledger,
    go,
    hold,
    holdEntry: `HSM_RUNNER_HOLD=${remoteHold}`,
    stderr: () => stderr,
    closeMaster,
  };
}

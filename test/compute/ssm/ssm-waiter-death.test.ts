import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, waitForExit } from '../../helpers/cli.js';
import { isProcessAlive } from '../../../src/process/process-liveness.js';
import { NO_INFRA, sshInfra } from '../../remote/test-infra.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { until } from '../../helpers/wait.js';
import { ends, heldFork, starts, waitersOf } from '../remote-host/held-waiters.js';
import { hostHome, ssmProject } from './ssm-project.js';

// On a node reached through a shell session, the runner's agent runs per batch of tasks and each
// task runs under a waiter of its own, as on ssh hosts (test/compute/ssh/waiter-death.test.ts). A
// waiter killed before its task's started record, or while the task runs, with hsm killed too:
// `hsm complete` must stop what the waiter left before it runs the task again. The hold
// (HSM_RUNNER_HOLD) reaches the node through the ssh config of the run's sessions (SetEnv).

const NODE = 'node22';

beforeAll(() => ensureBuilt());

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe.skipIf(NO_INFRA)('a session task whose waiter is killed, then hsm killed', () => {
  it('between the fork and the started record: hsm complete kills what it forked; the task ends once', async () => {
    const t = start(`swd_1_${process.pid}`, true);
    const { waiter, forked } = await heldFork(t.holdEntry);
    t.run.kill('SIGKILL');
    await waitForExit(t.run);
    process.kill(waiter, 'SIGKILL');

    const done = hsm(['complete', t.id, '--json'], t.dir, {}, 120_000);
    expect(done.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(done.code, done.stderr).toBe(0);
    expect(forked.filter(isProcessAlive), 'processes of the first fork alive after complete').toEqual([]);
    rmSync(t.hold); // a surviving fork would record its start now and run the task to its end
    expect(ends(t.ledger)).toEqual(['end 1']);
    expect((JSON.parse(done.stdout) as { tasks: { status: string }[] }).tasks[0]).toMatchObject({
      status: 'completed',
    });
  });

  it('while the task runs: hsm complete stops it, records it lost and runs it again; it ends once', async () => {
    const t = start(`swd_2_${process.pid}`, false);
    const first = await until('the task to start', () => starts(t.ledger)[0], 60_000, 20);
    const waiter = await until('the waiter of the task', () => waitersOf(t.holdEntry)[0]);
    t.run.kill('SIGKILL');
    await waitForExit(t.run);
    process.kill(waiter, 'SIGKILL');

    const complete = hsmAsync(['complete', t.id, '--json'], t.dir);
    cleanups.push(() => complete.kill('SIGKILL'));
    await until('the task to start again', () => starts(t.ledger).length === 2, 90_000);
    expect(isProcessAlive(first), 'the first attempt alive beside the second').toBe(false);
    writeFileSync(t.go, '');
    expect((await waitForExit(complete)).code).toBe(0);
    expect(ends(t.ledger)).toEqual(['end 1']);
    const st = JSON.parse(hsm(['status', t.id, '--json'], t.dir).stdout) as {
      tasks: { status: string; attempts: number }[];
    };
    expect(st.tasks[0]).toMatchObject({ status: 'completed', attempts: 2 });
  });
});

// hsm run of one task on NODE, appending `start 1 <pid>` and, once `go` exists (at once when
// holding), `end 1` to a ledger; holding, each fork of it waits before its started record while the
// hold file exists. The sweep id is new: an id used before finds that sweep's records on the node.
function start(id: string, holding: boolean) {
  const tmp = makeTempDir('hsm-ssm-waiter-death-');
  const ledger = join(tmp, 'ledger');
  const go = join(tmp, 'go');
  writeFileSync(ledger, '');
  if (holding) writeFileSync(go, '');
  chmodSync(tmp, 0o777); // the node's user appends to the ledger and reads `go`
  chmodSync(ledger, 0o666);
  const name = `hold-${id}`;
  const hold = join(hostHome(NODE), name);
  if (holding) writeFileSync(hold, '');
  const config = join(tmp, 'ssh_config');
  writeFileSync(config, `SetEnv HSM_RUNNER_HOLD=/home/hsmtest/${name}\nInclude ${sshInfra().configFile}\n`);
  const { dir } = ssmProject(
    `command: ["sh", "-c", "echo start {i} $$ >> ${ledger}; while [ ! -e ${go} ] && [ -e ${ledger} ]; do sleep 0.05; done; echo end {i} >> ${ledger}"]\nargs: none\nsweep:\n  grid:\n    i: [1]\n`,
    { nodes: NODE, workdir: 'hsm-ssm/waiter-death' },
  );
  // the shell command (test/fixtures/pty-only/ssh-tt) reads the ssh config from HSM_TEST_SSH_CONFIG
  const run = hsmAsync(['run', '--source', 'pty', '--sync', '--sweep-id', id], dir, {
    HSM_TEST_SSH_CONFIG: config,
  });
  cleanups.push(() => {
    run.kill('SIGKILL');
    rmSync(hold, { force: true }); // nothing of this test waits for ever
    writeFileSync(go, '');
    rmSync(join(hostHome(NODE), 'hsm-ssm/waiter-death/.hsm/sweeps', id), { recursive: true, force: true });
  });
  return { id, dir, run, ledger, go, hold, holdEntry: `HSM_RUNNER_HOLD=/home/hsmtest/${name}` };
}

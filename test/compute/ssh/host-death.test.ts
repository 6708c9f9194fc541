import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, waitForExit } from '../../helpers/cli.js';
import { liveLockOwner } from '../../../src/state/sweep-lock.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import { sshProject } from './ssh-project.js';
import { until } from '../../helpers/wait.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// Several sources at once, and a host that really dies mid-sweep (every process in its network
// namespace killed: sshd, sessions, the tasks). Its tasks are marked lost and run again on the
// sources that are left; a ledger every task appends to proves each completed exactly once.

const HOST_CTL = resolve(__dirname, '../../../scripts/infra/host-ctl.sh');
const N = 36;

beforeAll(() => ensureBuilt());

describe.skipIf(NO_INFRA)('a sweep over 3 hosts and the local machine', () => {
  afterAll(() => {
    execFileSync(HOST_CTL, ['restore', 'node19']);
  });

  it('one host killed mid-way: its tasks are lost and re-run elsewhere, every task completed exactly once, exit 0', async () => {
    const dir = makeTempDir('hsm-ledger-');
    chmodSync(dir, 0o777); // the hosts' user and this one append to the same ledger
    const ledger = join(dir, 'ledger');
    writeFileSync(ledger, '');
    chmodSync(ledger, 0o666);
    const p = sshProject(
      `command: ["sh", "-c", "echo start {i} $(hostname) >> ${ledger}; sleep 3; echo end {i} $(hostname) >> ${ledger}"]\nargs: none\nsweep:\n  grid:\n    i: [${Array.from({ length: N }, (_, i) => i + 1).join(', ')}]\n`,
      [
        { name: 'n18', host: 'node18', workdir: '~/hsm/death', extra: 'max_parallel: 3' },
        { name: 'n19', host: 'node19', workdir: '~/hsm/death', extra: 'max_parallel: 3' },
        { name: 'n20', host: 'node20', workdir: '~/hsm/death', extra: 'max_parallel: 3' },
      ],
    );
    const child = hsmAsync(
      ['run', '--source', 'n18,n19,n20,local', '--sync', '--sweep-id', 'death', '--json', ...p.args],
      p.dir,
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const onNode19 = () => existsSync(ledger) && /^start \d+ node19$/m.test(readFileSync(ledger, 'utf8'));
    await until('a task started on node19', onNode19, 60_000);
    // A task that ended on node19 before the kill, with its exit record never read, rightly runs
    // again (its results died with the host): tasks last long enough for the kill to land first.
    execFileSync(HOST_CTL, ['kill', 'node19']);
    const { code } = await waitForExit(child);
    expect(stderr).not.toMatch(/at .*\.js:\d+/);
    expect(code, stderr).toBe(0);

    const lines = readFileSync(ledger, 'utf8').trim().split('\n');
    const ends = new Map<number, string[]>();
    for (const l of lines) {
      const m = /^end (\d+) (\S+)$/.exec(l);
      if (m) ends.set(Number(m[1]), [...(ends.get(Number(m[1])) ?? []), m[2]!]);
    }
    for (let i = 1; i <= N; i++) expect(ends.get(i), `task ${i} completed once`).toHaveLength(1);
    // node19's unfinished tasks ran again on another source
    const cut = lines.filter((l) => /^start \d+ node19$/.test(l)).map((l) => Number(l.split(' ')[1]));
    const rerun = cut.filter((i) => ends.get(i)![0] !== 'node19');
    expect(rerun.length).toBeGreaterThan(0);
    const hosts = new Set([...ends.values()].map((h) => h[0]));
    expect(hosts.has('node18') && hosts.has('node20')).toBe(true);
    expect(hosts.size).toBeGreaterThanOrEqual(3); // the local machine took tasks too
    expect(stderr).toMatch(/node19/);
    const status = JSON.parse(stdout) as {
      counts: Record<string, number>;
      tasks: { name: string; attempts: number }[];
    };
    expect(status.counts.completed).toBe(N);
    for (const i of rerun)
      expect(status.tasks.find((t) => t.name === `task_${String(i).padStart(3, '0')}`)!.attempts).toBe(2);
  });

  it('a detached sweep whose host restarted under its tasks: hsm complete reports them lost and runs each again once', async () => {
    execFileSync(HOST_CTL, ['restore', 'node19']); // killed by the test before
    const dir = makeTempDir('hsm-restart-');
    chmodSync(dir, 0o777);
    const ledger = join(dir, 'ledger');
    const go = join(dir, 'go');
    writeFileSync(ledger, '');
    chmodSync(ledger, 0o666);
    const id = `restart_${process.pid}`;
    const p = sshProject(
      `command: ["sh", "-c", "echo start {i} >> ${ledger}; while [ ! -e ${go} ] && [ -e ${ledger} ]; do sleep 0.05; done; echo end {i} >> ${ledger}"]\nargs: none\nsweep:\n  grid:\n    i: [1, 2]\n`,
      [{ name: 'n19', host: 'node19', workdir: '~/hsm/restart', extra: 'max_parallel: 2' }],
    );
    const run = hsm(['run', '--source', 'n19', '--sync', '--sweep-id', id, '--detach', ...p.args], p.dir);
    expect(run.code, run.stderr).toBe(0);
    const started = () => readFileSync(ledger, 'utf8').match(/^start \d$/gm) ?? [];
    await until('both tasks to start on the host', () => started().length === 2, 60_000);
    // the machine hsm ran on went away (its process killed), then the host restarted: every
    // process there killed, its files kept (the task directories with their started records)
    const lock = join(p.dir, 'sweeps/outputs', id, 'sweep.lock');
    const owner = liveLockOwner(lock);
    expect(owner).toBeGreaterThan(0);
    process.kill(owner!, 'SIGKILL');
    await until('the detached hsm to be gone', () => liveLockOwner(lock) === null);
    execFileSync(HOST_CTL, ['kill', 'node19']);
    execFileSync(HOST_CTL, ['restore', 'node19']);
    writeFileSync(go, '');

    const done = hsm(['complete', id, '--json', ...p.args], p.dir, {}, 55_000);
    expect(done.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(done.code, done.stderr).toBe(0);
    expect(started()).toHaveLength(4);
    const ends = readFileSync(ledger, 'utf8').match(/^end \d$/gm) ?? [];
    expect(ends.sort()).toEqual(['end 1', 'end 2']);
    const status = JSON.parse(done.stdout) as { tasks: { status: string; attempts: number }[] };
    expect(status.tasks.map((t) => [t.status, t.attempts])).toEqual([
      ['completed', 2],
      ['completed', 2],
    ]);
  });
});

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, waitForExit } from '../../helpers/cli.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import { HOST_CTL, endsByTask, ledgerLines, makeLedger, ssmProject, waitFor } from './ssm-project.js';

// The session (SSM-style) compute source on node21..23, reached only through a pty
// (test/fixtures/pty-only/ssh-tt refuses anything but an interactive shell): tasks run detached on
// the nodes with the runner and records of every source, survive the session and hsm, and a node
// that dies has its tasks run again on the others.

beforeAll(() => ensureBuilt());

describe.skipIf(NO_INFRA)('ssm source over pty-only nodes', () => {
  afterAll(() => {
    execFileSync(HOST_CTL, ['restore', 'node23']);
  });

  it("20 tasks over 3 nodes, one node killed mid-way: every task completed exactly once, the dead node's tasks ran elsewhere, exit 0", async () => {
    const ledger = makeLedger();
    const N = 20;
    const p = ssmProject(
      `command: ["sh", "training/step.sh", "{i}"]\nargs: none\nsweep:\n  grid:\n    i: [${Array.from({ length: N }, (_, i) => i + 1).join(', ')}]\n`,
      { nodes: 'node[21-23]', workdir: 'hsm-ssm/death', extra: 'max_parallel: 2' },
      {
        'training/step.sh': `echo start $1 $(hostname) >> ${ledger}; sleep 3; echo end $1 $(hostname) >> ${ledger}\n`,
      },
    );
    const child = hsmAsync(['run', '--source', 'pty', '--sync', '--sweep-id', 'death', '--json'], p.dir);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const onNode23 = () => ledgerLines(ledger).some((l) => /^start \d+ node23$/.test(l));
    expect(await waitFor(onNode23, 30_000)).toBe(true);
    execFileSync(HOST_CTL, ['kill', 'node23']);
    const { code } = await waitForExit(child);
    expect(stderr).not.toMatch(/at .*\.js:\d+/);
    expect(code, stderr).toBe(0);
    const ends = endsByTask(ledger);
    for (let i = 1; i <= N; i++) expect(ends.get(i), `task ${i} completed once`).toHaveLength(1);
    const cut = ledgerLines(ledger)
      .filter((l) => /^start \d+ node23$/.test(l))
      .map((l) => Number(l.split(' ')[1]));
    const rerun = cut.filter((i) => ends.get(i)![0] !== 'node23');
    expect(rerun.length).toBeGreaterThan(0);
    expect(stderr).toMatch(/node23/);
    const status = JSON.parse(stdout) as {
      counts: Record<string, number>;
      tasks: { name: string; attempts: number; host: string }[];
    };
    expect(status.counts.completed).toBe(N);
    expect(new Set(status.tasks.map((t) => t.host))).toEqual(new Set(['node21', 'node22']));
    for (const i of rerun)
      expect(status.tasks.find((t) => t.name === `task_${String(i).padStart(3, '0')}`)!.attempts).toBe(2);
    // every task's directory came back through the sessions: records and output
    for (const t of status.tasks) {
      const local = join(p.dir, 'sweeps/outputs/death/tasks', t.name);
      expect(readFileSync(join(local, 'exit'), 'utf8')).toBe(`attempt=${t.attempts} exit=0\n`);
      expect(readFileSync(join(local, 'started'), 'utf8')).toMatch(new RegExp(`host=${t.host}\n$`));
    }
  });

  it('kill -9 of hsm mid-sweep, then hsm complete: the running tasks are adopted on their nodes, none runs twice; the script keeps its path from the project root', async () => {
    const ledger = makeLedger();
    const p = ssmProject(
      `command: ["python3", "training/train.py", "{i}"]\nargs: none\nsweep:\n  grid:\n    i: [1, 2, 3, 4]\n`,
      { nodes: 'node[21-22]', workdir: 'hsm-ssm/adopt', extra: 'max_parallel: 2' },
      {
        'training/train.py': `import os, socket, sys, time\nopen(${JSON.stringify(ledger)}, 'a').write(f'start {sys.argv[1]} {socket.gethostname()}\\n')\nprint('cwd', os.getcwd(), 'script', sys.argv[0], flush=True)\ntime.sleep(4)\nopen(${JSON.stringify(ledger)}, 'a').write(f'end {sys.argv[1]} {socket.gethostname()}\\n')\n`,
      },
    );
    const child = hsmAsync(['run', '--source', 'pty', '--sync', '--sweep-id', 'adopt'], p.dir);
    expect(await waitFor(() => ledgerLines(ledger).length >= 4, 30_000)).toBe(true);
    child.kill('SIGKILL');
    await waitForExit(child);
    const r = hsm(['complete', 'adopt'], p.dir);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/4 still running from an earlier run \(adopted\)/);
    const ends = endsByTask(ledger);
    for (let i = 1; i <= 4; i++) expect(ends.get(i), `task ${i} ran once`).toHaveLength(1);
    expect(ledgerLines(ledger).filter((l) => l.startsWith('start'))).toHaveLength(4);
    const status = JSON.parse(hsm(['status', 'adopt', '--json'], p.dir).stdout) as {
      tasks: { name: string; attempts: number; host: string }[];
    };
    expect(status.tasks.every((t) => t.attempts === 1)).toBe(true);
    // adopted tasks' directories came back too (the run that started them was killed)
    for (const t of status.tasks)
      expect(readFileSync(join(p.dir, 'sweeps/outputs/adopt/tasks', t.name, 'stdout.log'), 'utf8')).toBe(
        'cwd /home/hsmtest/hsm-ssm/adopt script training/train.py\n',
      );
  });
});

import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';

// Bad input gets one clear paragraph (what failed, on what, what to do), the documented exit code, no
// stack trace, and no half-written sweep left behind.

const STACK = /\n\s+at .+:\d+:\d+/;
const GOOD = `command: ["sh", "-c", "echo {x}"]\nargs: none\nsweep:\n  grid:\n    x: [1, 2]\n`;

beforeAll(() => ensureBuilt());

function sweepDirs(dir: string): string[] {
  const out = join(dir, 'sweeps', 'outputs');
  return existsSync(out) ? readdirSync(out) : [];
}

describe('hsm run with bad input', () => {
  it('a missing sweep file: exit 2, names the file', () => {
    const dir = makeProject(GOOD);
    const r = hsm(['run', 'nope.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.yaml/);
    expect(r.stderr).not.toMatch(STACK);
    expect(sweepDirs(dir)).toEqual([]);
  });

  it('malformed YAML: exit 2, points at the line, no sweep created', () => {
    const dir = makeProject('sweep:\n  grid:\n    x: [1, 2\n');
    const r = hsm(['run'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sweep\.yaml:\d+:\d+/);
    expect(r.stderr).not.toMatch(STACK);
    expect(sweepDirs(dir)).toEqual([]);
  });

  it('an unwritable output directory: exit 3, says which and how to fix it, leaves nothing', () => {
    const dir = makeProject(GOOD, 'defaults:\n  output_dir: blocker/outputs\n');
    writeFileSync(join(dir, 'blocker'), 'a file where a directory should be');
    const r = hsm(['run'], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot write sweeps to .*blocker\/outputs/);
    expect(r.stderr).toMatch(/hint: .*output_dir/);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('a command that does not exist: tasks fail with exit 127, not retried, hsm exits 1 and says why', () => {
    const dir = makeProject(`command: hsm-no-such-program-42\nsweep:\n  grid:\n    x: [1, 2]\n`);
    const r = hsm(['run', '--retries', '2', '--json'], dir);
    expect(r.code).toBe(1);
    const status = JSON.parse(r.stdout) as {
      counts: { failed: number };
      tasks: { exit_code: number; attempts: number; detail: string }[];
    };
    expect(status.counts.failed).toBe(2);
    for (const t of status.tasks)
      expect(t).toMatchObject({
        exit_code: 127,
        attempts: 1,
        detail: expect.stringContaining('command not found'),
      });
  });

  it('a bad --jobs value: exit 2 with the reason', () => {
    const dir = makeProject(GOOD);
    const r = hsm(['run', '--jobs', '0'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--jobs must be a positive integer/);
  });

  it('an unknown option suggests the right one', () => {
    const dir = makeProject(GOOD);
    const r = hsm(['status', '--jsn'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Did you mean --json\?/);
  });

  it('an unknown sweep id: exit 2 and how to list sweeps', () => {
    const dir = makeProject(GOOD);
    const r = hsm(['status', 'nope'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/hsm recent/);
  });

  it('a second process running the same sweep is refused with exit 3', async () => {
    // the task runs until the test says so: the first run holds the sweep however slow the machine is
    const dir = makeProject(
      `command: ["sh", "-c", "while [ ! -e go ]; do sleep 0.05; done"]\nargs: none\nsweep:\n  grid:\n    s: [1]\n`,
    );
    const first = hsmAsync(['run', '--sweep-id', 'locked'], dir);
    const lock = join(dir, 'sweeps', 'outputs', 'locked', 'sweep.lock');
    await until('the first run to hold the sweep', () => existsSync(lock), 60_000, 10);
    const second = hsm(['complete', 'locked'], dir);
    writeFileSync(join(dir, 'go'), '');
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/being run by another hsm process \(pid \d+\)/);
    expect((await waitForExit(first)).code).toBe(0);
  });
});

describe('run options', () => {
  it('--dry-run prints the exact argv and creates nothing; --count-only prints the count', () => {
    const dir = makeProject(GOOD);
    const dry = hsm(['run', '--dry-run'], dir);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("sh -c 'echo 1'");
    expect(dry.stdout).toContain("sh -c 'echo 2'");
    expect(hsm(['run', '--count-only', '--', 'y=a,b,c'], dir).stdout.trim()).toBe('6');
    expect(sweepDirs(dir)).toEqual([]);
  });

  it('--max-tasks refuses a larger sweep', () => {
    const dir = makeProject(GOOD);
    const r = hsm(['run', '--max-tasks', '1'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/2 tasks, more than --max-tasks 1/);
  });

  it('--detach returns at once and the sweep finishes in the background', async () => {
    const dir = makeProject(GOOD);
    const r = hsm(['run', '--detach', '--sweep-id', 'bg', '--json'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ sweep_id: 'bg' });
    await until(
      'both tasks completed',
      () =>
        (JSON.parse(hsm(['status', 'bg', '--json'], dir).stdout) as { counts: Record<string, number> }).counts
          .completed === 2,
      60_000,
      100,
    );
  });

  it('logs prints a task output; recent lists the sweep', () => {
    const dir = makeProject(GOOD);
    expect(hsm(['run', '--sweep-id', 'l1'], dir).code).toBe(0);
    expect(hsm(['logs', 'l1', 'task_002'], dir).stdout).toBe('2\n');
    expect(hsm(['logs', 'l1', '1'], dir).stdout).toBe('1\n');
    expect(hsm(['recent'], dir).stdout).toMatch(/^l1 .*2 tasks: 2 completed/m);
  });

  it('logs of an empty stream says so on stderr, and where the output is (a crash writes only stderr)', () => {
    const dir = makeProject(
      'command: ["sh", "-c", "echo boom {x} >&2; exit 1"]\nargs: none\nsweep:\n  grid:\n    x: [1]\n',
    );
    expect(hsm(['run', '--sweep-id', 'e1'], dir).code).toBe(1);
    const out = hsm(['logs', 'e1', 'task_001'], dir);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe(
      'hsm: stdout.log of task_001 is empty; its stderr.log has 7 bytes: add --stderr\n',
    );
    const err = hsm(['logs', 'e1', 'task_001', '--stderr'], dir);
    expect(err.stdout).toBe('boom 1\n');
    expect(err.stderr).toBe('');
  });
});

describe('Ctrl-C while the sweep is being created', () => {
  it(
    'finishes creating it (all or nothing), runs no task and says how to resume',
    { timeout: 120_000 },
    async () => {
      const dir = makeProject(
        `command: ["sh", "-c", "echo ran >> ran.log"]\nargs: none\nsweep:\n  grid:\n    a: [${Array.from({ length: 300 }, (_, i) => i).join(',')}]\n    b: [${Array.from({ length: 300 }, (_, i) => i).join(',')}]\n`,
      );
      const child = hsmAsync(['run', '--yes', '--sweep-id', 'big'], dir);
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const partial = join(dir, 'sweeps', 'outputs', '.big.partial');
      await until('the sweep being created', () => existsSync(partial), 60_000, 5);
      child.kill('SIGINT');
      expect((await waitForExit(child)).code).toBe(130);
      expect(existsSync(partial)).toBe(false);
      const st = JSON.parse(hsm(['status', 'big', '--json'], dir).stdout) as {
        total: number;
        counts: { pending: number; running: number; queued: number };
      };
      expect(st.total).toBe(90_000); // the whole sweep is on disk, whenever the signal came
      expect(st.counts.running + st.counts.queued).toBe(0);
      expect(err).toMatch(/hsm complete big/);
      // on a loaded machine the signal may land just after the creation: then the run starts and is
      // cancelled like any run; when it lands during the creation, no task runs at all
      if (/interrupted before any task ran/.test(err)) {
        expect(existsSync(join(dir, 'ran.log'))).toBe(false);
        expect(st.counts.pending).toBe(90_000);
      } else {
        expect(err).toMatch(/interrupted: stopping running tasks/);
      }
    },
  );
});

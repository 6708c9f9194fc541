import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawn as spawnPty, type IPty } from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HSM_BIN, ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';

// `hsm status --watch` (and `hsm report`) while a real sweep runs: a frame redrawn in place on a terminal, plain lines
// when piped or under NO_COLOR, Ctrl-C stops watching (130) and not the sweep, and the watch ends by
// itself when the sweep does. Tasks wait for a file the test creates, so what is running is known.

const TASK = resolve(__dirname, '../fixtures/watch/task.sh');

let dir: string;
let go: string;
let run: ReturnType<typeof hsmAsync>;
const terms: IPty[] = []; // killed at the end, should a test fail before its watch exits

interface Status {
  running_pid: number | null;
  counts: Record<string, number>;
}
const status = () => JSON.parse(hsm(['status', '--json'], dir).stdout) as Status & { tasks: unknown[] };

function watchInTerminal(env: Record<string, string> = {}): {
  term: IPty;
  output: () => string;
  exit: Promise<number>;
} {
  const term = spawnPty(process.execPath, [HSM_BIN, 'status', '--watch', '--interval', '0.2'], {
    cwd: dir,
    cols: 100,
    rows: 30,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color', ...env },
  });
  terms.push(term);
  let out = '';
  term.onData((d) => (out += d));
  const exit = new Promise<number>((res) => term.onExit(({ exitCode }) => res(exitCode)));
  return { term, output: () => out, exit };
}

beforeAll(async () => {
  ensureBuilt();
  dir = makeProject(
    `command: ["sh", "${TASK}", "GO", "{x}"]\nargs: none\nsweep:\n  grid:\n    x: [1, 2, 3, 4]\n`,
  );
  go = join(dir, 'GO');
  run = hsmAsync(['run', '--jobs', '2'], dir);
  await until('two running tasks', () => {
    const r = hsm(['status', '--json'], dir);
    return r.code === 0 && (JSON.parse(r.stdout) as Status).counts.running === 2;
  });
}, 60_000);

afterAll(async () => {
  for (const t of terms) {
    try {
      t.kill();
    } catch {
      /* already exited */
    }
  }
  writeFileSync(go, '');
  await waitForExit(run);
});

describe('hsm status --watch', () => {
  it('on a terminal: one frame redrawn in place with counts, sources, running tasks and their time; Ctrl-C exits 130 and the sweep goes on', async () => {
    const w = watchInTerminal();
    // a second frame drawn over the first: the cursor goes back up to the frame's first line
    await until('a redrawn frame', () => /\x1b\[\d+F/.test(w.output()));
    const out = w.output();
    expect(out).toContain('\x1b[?25l'); // cursor hidden while drawing
    expect(out).toMatch(/running \(hsm pid \d+\)/);
    expect(out).toMatch(/4 tasks: 2 running, 2 queued/);
    expect(out).toMatch(/local: 2 running, 2 queued; none finished {2}on \S+/);
    expect(out).toContain('running (2):');
    expect(out).toMatch(/task_001\s+0:\d\d\s+local@/);
    expect(out).toMatch(/\x1b\[1msweep /); // bold head line
    w.term.write('\x03');
    expect(await w.exit).toBe(130);
    expect(w.output().endsWith('\x1b[?25h')).toBe(true); // the cursor is back
    expect(status().running_pid).toBe(run.pid); // the sweep itself was not touched
  });

  it('hsm report works while the sweep runs: the running tasks count in the timeline, the state says running', () => {
    const made = hsm(['report', '--out', 'live-report', '--json'], dir);
    expect(made.code, made.stderr).toBe(0);
    const files = JSON.parse(made.stdout) as { completion_report: string; performance_analysis: string };
    const perf = readFileSync(files.performance_analysis, 'utf8');
    expect(perf).toMatch(/^state: running$/m);
    expect(perf).toMatch(/^ {2}running: 2$/m);
    const html = readFileSync(files.completion_report, 'utf8');
    expect(html).toContain('state: <b>running</b>');
    // the timeline's line for the source climbs to the two tasks running now
    const data = JSON.parse(
      html.match(/<script type="application\/json" id="hsm-chart-data">(.*?)<\/script>/s)![1]!,
    ) as {
      id: string;
      config: { data: { datasets: { data: { y: number }[] }[] } };
    }[];
    const timeline = data.find((c) => c.id === 'chart-timeline')!;
    expect(Math.max(...timeline.config.data.datasets[0]!.data.map((p) => p.y))).toBe(2);
  });

  it('piped: plain lines while it runs, each failure with its category, and it ends by itself with the sweep', async () => {
    const child = spawn(process.execPath, [HSM_BIN, 'status', '--watch', '--interval', '0.2'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await until('the first line', () => out.includes('\n'));
    expect(out).toMatch(
      /^\d\d:\d\d:\d\d sweep_\d+_\d+: 0\/4 done \(2 running, 2 queued\); running: local 2$/m,
    );
    writeFileSync(go, '');
    const { code } = await waitForExit(child);
    expect(code).toBe(0);
    expect(out).not.toMatch(/\x1b/);
    expect(out).toMatch(/^failed: task_003 failed \[python_exception\] ValueError: x is 3/m);
    const lines = out.trim().split('\n');
    expect(lines[lines.length - 1]).toMatch(/4\/4 done \(3 completed, 1 failed\); not running$/);
    await waitForExit(run);
  });

  it('after the sweep: the terminal frame shows the recent failures and exits 0 at once; NO_COLOR gives plain lines', async () => {
    const w = watchInTerminal();
    expect(await w.exit).toBe(0);
    expect(w.output()).toContain('recent failures:');
    expect(w.output()).toMatch(/task_003 failed \[python_exception\] ValueError: x is 3/);
    expect(w.output()).toContain('not running');
    const plain = watchInTerminal({ NO_COLOR: '1' });
    expect(await plain.exit).toBe(0);
    expect(plain.output()).not.toMatch(/\x1b/);
    expect(plain.output()).toMatch(/4\/4 done \(3 completed, 1 failed\); not running/);
  });

  it('--json: the status --json document, one line a refresh; a bad --interval is exit 2', () => {
    const once = JSON.parse(hsm(['status', '--json'], dir).stdout) as { tasks: unknown[] };
    const watched = hsm(['status', '--watch', '--json'], dir);
    expect(watched.code, watched.stderr).toBe(0);
    expect(JSON.parse(watched.stdout.trim())).toEqual(once);
    const bad = hsm(['status', '--watch', '--interval', '0'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--interval must be a number of seconds');
  });
});

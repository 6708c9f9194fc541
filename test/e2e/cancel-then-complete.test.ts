import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { HSM_BIN, ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';

// A Ctrl-C stops a sweep; the command hsm prints to finish it must finish it: `hsm complete` runs the
// cancelled tasks (a cancel is the user's stop, not a failure). Progress counts them as cancelled.

const TASKS = 6;

beforeAll(() => ensureBuilt());

describe('hsm complete after a Ctrl-C', () => {
  it('the printed hint finishes the sweep; progress says cancelled, not failed', async () => {
    const dir = makeProject(
      `command: ["sh", "-c", "touch running.{i}; while [ ! -e go ]; do sleep 0.05; done"]\nargs: none\nsweep:\n  grid:\n    i: [${Array.from({ length: TASKS }, (_, i) => i + 1).join(', ')}]\n`,
    );
    const run = hsmAsync(['run', '--jobs', '2', '--sweep-id', 'stop'], dir);
    onTestFinished(() => writeFileSync(join(dir, 'go'), '')); // nothing left waiting if a check fails
    let stderr = '';
    run.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await until(
      'both tasks running',
      () => existsSync(join(dir, 'running.1')) && existsSync(join(dir, 'running.2')),
      60_000,
      10,
    );
    run.kill('SIGINT');
    expect((await waitForExit(run)).code, stderr).toBe(130);

    const status = JSON.parse(hsm(['status', 'stop', '--json'], dir).stdout) as {
      counts: Record<string, number>;
    };
    expect(status.counts.cancelled).toBe(2);
    expect(status.counts.failed).toBe(0);
    // the last progress line counts the two stopped tasks as cancelled
    const progress = stderr.split('\n').filter((l) => l.startsWith('progress:'));
    expect(progress.at(-1)).toMatch(/0 failed, 2 cancelled/);

    const hint = /finish it with: (hsm complete .*)$/m.exec(stderr)?.[1];
    expect(hint).toBe('hsm complete stop');
    writeFileSync(join(dir, 'go'), '');
    const done = spawnSync(process.execPath, [HSM_BIN, ...hint!.split(' ').slice(1), '--json'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(done.status, done.stderr).toBe(0);
    expect((JSON.parse(done.stdout) as { counts: Record<string, number> }).counts.completed).toBe(TASKS);
  });
});

import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { HSM_BIN, ensureBuilt, hsm, hsmAsync, waitForExit } from '../../helpers/cli.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import { ssmProject, waitFor } from './ssm-project.js';

// `hsm logs -f` of a task running on a pty-only node: the output is read where it grows, through a
// session, while the task runs; the whole of it, once, by the end.

beforeAll(() => ensureBuilt());

describe.skipIf(NO_INFRA)('ssm source logs', () => {
  it('hsm logs -f follows a running task on its node and ends with its whole output', async () => {
    const p = ssmProject(
      'command: ["sh", "-c", "for i in 1 2 3 4 5 6; do echo tick $i; sleep 1; done"]\nargs: none\nsweep:\n  grid:\n    i: [1]\n',
      { nodes: 'node21', workdir: 'hsm-ssm/logs' },
    );
    const run = hsmAsync(['run', '--source', 'pty', '--sync', '--sweep-id', 'lg'], p.dir);
    let runEndAt = 0;
    run.on('exit', () => (runEndAt = Date.now()));
    const running = () => {
      const r = hsm(['status', 'lg', '--json'], p.dir);
      return r.code === 0 && (JSON.parse(r.stdout) as { counts: { running: number } }).counts.running === 1;
    };
    expect(await waitFor(running, 30_000)).toBe(true);
    const follow = spawn(process.execPath, [HSM_BIN, 'logs', 'lg', '1', '-f'], { cwd: p.dir });
    let out = '';
    let firstAt = 0;
    follow.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      firstAt ||= Date.now();
    });
    const { code } = await waitForExit(follow);
    const runEnd = await waitForExit(run);
    expect(code).toBe(0);
    expect(runEnd.code).toBe(0);
    expect(out).toBe('tick 1\ntick 2\ntick 3\ntick 4\ntick 5\ntick 6\n');
    // the first lines came while the task still ran (it prints for 6 s), not from the collected copy
    expect(firstAt).toBeGreaterThan(0);
    expect(runEndAt - firstAt).toBeGreaterThan(2000);
  });
});

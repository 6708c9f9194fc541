import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn as spawnPty } from 'node-pty';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, HSM_BIN, hsm, makeProject } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';

// Closing the terminal of a running `hsm run` (a real hang-up: the pseudo-terminal's master side is
// closed) is a stop like SIGTERM: hsm shuts down cleanly (exit 130, no SIGSEGV/SIGABRT), running tasks
// are cancelled and the store holds nothing running or queued. Writes to the closed terminal during the
// shutdown must not kill it.

beforeAll(() => ensureBuilt());

describe('terminal closed under a running hsm run', () => {
  for (let round = 1; round <= 3; round++) {
    it(`round ${round}: clean stop, exit record written, store consistent`, async () => {
      const dir = makeProject(`name: hup
command: ["sh", "-c", "sleep 30"]
args: none
sweep:
  grid:
    i: [1, 2, 3, 4, 5, 6]
`);
      const term = spawnPty(process.execPath, [HSM_BIN, 'run', '--jobs', '2', '--sweep-id', 'hup_1'], {
        cwd: dir,
        cols: 100,
        rows: 30,
        env: { ...process.env, NO_COLOR: '1' } as Record<string, string>,
      });
      const exited = new Promise<{ exitCode: number; signal?: number }>((res) => term.onExit(res));
      await until('two running tasks', () => {
        const st = hsm(['status', 'hup_1', '--json'], dir);
        return (
          st.code === 0 && (JSON.parse(st.stdout) as { counts: { running: number } }).counts.running === 2
        );
      });
      // destroy() closes the master side (not in IPty's type): the kernel hangs the terminal up
      (term as unknown as { destroy(): void }).destroy();
      const exit = await exited;
      expect(exit.signal ?? 0, 'no native crash (SIGSEGV 11, SIGABRT 6)').toBe(0);
      expect(exit.exitCode).toBe(130);
      const status = JSON.parse(hsm(['status', 'hup_1', '--json'], dir).stdout) as {
        counts: { running: number; queued: number; cancelled: number };
        running_pid: number | null;
      };
      expect(status.counts.running + status.counts.queued).toBe(0);
      expect(status.counts.cancelled).toBe(2);
      expect(status.running_pid).toBeNull();
      const log = readFileSync(join(dir, 'sweeps', 'outputs', 'hup_1', 'logs', 'sweep.log'), 'utf8');
      expect(log).toContain('"event":"run:end"'); // the shutdown ran to its end
    });
  }
});

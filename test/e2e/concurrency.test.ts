import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';

// Several `hsm complete` of one sweep started together after `hsm run` was killed (kill -9): one runs
// the sweep, the others are refused with exit 3, and every task ran exactly once (each appends to a
// ledger). The lock itself is raced many more times in test/state/sweep-lock.test.ts.

const TASKS = 8;
const ROUNDS = 3;

beforeAll(() => ensureBuilt());

describe('concurrent hsm complete after a crash', () => {
  it(`4 at once, ${ROUNDS} rounds: one runs the sweep, the others exit 3, each task ran once`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const values = Array.from({ length: TASKS }, (_, i) => i + 1).join(', ');
      const dir = makeProject(
        `command: ["sh", "-c", "echo start {i} >> ledger; sleep 0.2; echo end {i} >> ledger"]
args: none
sweep:
  grid:
    i: [${values}]
`,
      );
      const run = hsmAsync(['run', '--jobs', '2', '--sweep-id', 'cc'], dir);
      const ledger = join(dir, 'ledger');
      await until('a task to start', () => existsSync(ledger), 60_000, 5);
      run.kill('SIGKILL');
      await waitForExit(run);

      const completes = Array.from({ length: 4 }, () => {
        const child = hsmAsync(['complete', 'cc', '--jobs', '2'], dir);
        let stderr = '';
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        return waitForExit(child).then((e) => ({ code: e.code, stderr }));
      });
      const results = await Promise.all(completes);
      for (const r of results) {
        expect([0, 3], r.stderr).toContain(r.code);
        if (r.code === 3) expect(r.stderr).toMatch(/being run by another hsm process/);
      }
      expect(results.filter((r) => r.code === 0).length).toBeGreaterThanOrEqual(1);

      const status = JSON.parse(hsm(['status', 'cc', '--json'], dir).stdout) as {
        counts: Record<string, number>;
      };
      expect(status.counts.completed, `round ${round}`).toBe(TASKS);
      const lines = readFileSync(ledger, 'utf8').trim().split('\n');
      for (let i = 1; i <= TASKS; i++) {
        expect(
          lines.filter((l) => l === `start ${i}`),
          `round ${round}: task ${i} started`,
        ).toHaveLength(1);
        expect(
          lines.filter((l) => l === `end ${i}`),
          `round ${round}: task ${i} ended`,
        ).toHaveLength(1);
      }
    }
  });
});

describe('concurrent hsm run in one project', () => {
  it('4 runs started together (same second, same generated id base): 4 distinct complete sweeps', async () => {
    const dir = makeProject(
      `name: same\ncommand: ["sh", "-c", "echo {i}"]\nargs: none\nsweep:\n  grid:\n    i: [1, 2, 3]\n`,
    );
    const runs = Array.from({ length: 4 }, () => {
      const child = hsmAsync(['run', '--jobs', '1', '--json'], dir);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      return waitForExit(child).then((e) => ({ code: e.code, stdout, stderr }));
    });
    const results = await Promise.all(runs);
    const ids = results.map((r) => {
      expect(r.code, r.stderr).toBe(0);
      const s = JSON.parse(r.stdout) as { sweep_id: string; counts: { completed: number } };
      expect(s.counts.completed).toBe(3);
      return s.sweep_id;
    });
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) expect(id).toMatch(/^same_\d{8}_\d{6}(_\d+)?$/);
    const recent = JSON.parse(hsm(['recent', '--json'], dir).stdout) as { sweeps: { sweep_id: string }[] };
    expect(recent.sweeps.map((s) => s.sweep_id).sort()).toEqual([...ids].sort());
  });
});

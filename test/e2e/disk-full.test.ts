import { existsSync, readFileSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';
import { mountSmallDisk, resizeSmallDisk, unmountSmallDisks } from '../helpers/small-disk.js';
import { expectEachRanOnce, ledger } from '../helpers/ledger.js';

// The output directory's disk fills mid-sweep (a 2 MB tmpfs, 100 tasks printing 60 KB each): hsm stops
// handing over tasks at once, says what happened, where and what to do (exit 3, no "bug in hsm"),
// the store stays readable and consistent with the records on disk, and after space is freed
// `hsm complete` runs no completed task again (a ledger each task appends to proves it). Mounting a
// tmpfs needs root, as the rest of the real-infrastructure tests do.

const TASKS = 100;
const STACK = /\n\s+at .+:\d+:\d+/;

beforeAll(() => ensureBuilt());
afterEach(unmountSmallDisks);

describe.skipIf(process.getuid?.() !== 0)('disk full mid-sweep (tmpfs, needs root)', () => {
  it('stops dispatch, reports disk full with where and what to do; complete runs nothing twice', () => {
    const values = Array.from({ length: TASKS }, (_, i) => i + 1).join(', ');
    const dir = makeProject(
      `name: full
command: ["sh", "-c", "echo start {i} >> ledger; head -c 60000 /dev/zero | tr '\\\\0' x; echo end {i} >> ledger"]
args: none
sweep:
  grid:
    i: [${values}]
`,
      'defaults:\n  output_dir: small/outputs\n',
    );
    const small = mountSmallDisk(join(dir, 'small'), '2m');

    const r = hsm(['run', '--jobs', '4', '--sweep-id', 'full_1'], dir);
    expect(r.code, r.stderr).toBe(3);
    const sweepDir = join(small, 'outputs', 'full_1');
    expect(r.stderr).toContain('hsm: error: disk full: ');
    expect(r.stderr).toContain(sweepDir);
    expect(r.stderr).toContain('hsm complete full_1');
    expect(r.stderr).not.toContain('bug in hsm');
    expect(r.stderr).not.toMatch(STACK);
    const startedDuringRun = ledger(dir).filter((l) => l.startsWith('start')).length;
    expect(startedDuringRun, 'dispatch stopped when the disk filled').toBeLessThan(TASKS / 2);

    // the store reads, and what it calls completed is what the task directories record
    const st = hsm(['status', 'full_1', '--json'], dir);
    expect(st.code, st.stderr).toBe(0);
    const before = JSON.parse(st.stdout) as {
      total: number;
      tasks: { name: string; status: string; attempts: number }[];
    };
    expect(before.total).toBe(TASKS);
    for (const t of before.tasks.filter((t) => t.status === 'completed'))
      expect(readFileSync(join(sweepDir, 'tasks', t.name, 'exit'), 'utf8')).toBe(
        `attempt=${t.attempts} exit=0\n`,
      );

    resizeSmallDisk(small, '64m');
    const done = hsm(['complete', 'full_1', '--jobs', '4', '--json'], dir);
    expect(done.code, done.stderr).toBe(0);
    expect((JSON.parse(done.stdout) as { counts: { completed: number } }).counts.completed).toBe(TASKS);
    expectEachRanOnce(ledger(dir), TASKS);
  });
});

// hsm complete after a kill -9 of hsm, with a few KB left on the output disk: the first writes (the
// lock) fit and a later one before the engine runs does not (the store's reconciliation, the run's
// sources, the local source recording the runners it takes over). That is a full disk (exit 3, what
// and where), not a bug in hsm; once space is freed, complete finishes every task once.
describe.skipIf(process.getuid?.() !== 0)(
  'disk full when hsm complete takes over (tmpfs, needs root)',
  () => {
    it.each([4096, 8192, 12288])(
      'with %i bytes left: exit 3, disk full; then every task once',
      async (left) => {
        const dir = makeProject(
          `name: takeover
command: ["sh", "-c", "echo start {i} >> ledger; sleep 1; echo end {i} >> ledger"]
args: none
sweep:
  grid:
    i: [1, 2, 3, 4]
`,
          'defaults:\n  output_dir: small/outputs\n',
        );
        const small = mountSmallDisk(join(dir, 'small'), '4m');
        const run = hsmAsync(['run', '--jobs', '2', '--sweep-id', 'to_1'], dir);
        await until('a task to start', () => existsSync(join(dir, 'ledger')), 60_000, 20);
        run.kill('SIGKILL');
        await waitForExit(run);
        // the disk full to `left` bytes (tmpfs counts whole pages)
        const fill = join(small, 'fill');
        try {
          writeFileSync(fill, Buffer.alloc(8 << 20));
        } catch {
          /* ENOSPC: the file holds what fitted */
        }
        truncateSync(fill, Math.max(0, readFileSync(fill).length - left));

        const r = hsm(['complete', 'to_1', '--jobs', '2'], dir);
        expect(r.code, r.stderr).toBe(3);
        expect(r.stderr).toMatch(/hsm: error: (disk full|cannot write)/);
        expect(r.stderr).not.toContain('bug in hsm');
        expect(r.stderr).not.toMatch(STACK);

        unlinkSync(fill);
        const done = hsm(['complete', 'to_1', '--jobs', '2', '--json'], dir);
        expect(done.code, done.stderr).toBe(0);
        expect((JSON.parse(done.stdout) as { counts: { completed: number } }).counts.completed).toBe(4);
        expectEachRanOnce(ledger(dir), 4);
      },
    );
  },
);

import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { mountSmallDisk, resizeSmallDisk, unmountSmallDisks } from '../helpers/small-disk.js';

// The core promise under a mix of faults, round after round on one sweep: kill -9 of hsm at a random
// moment, four `hsm complete` started together (and killed), the output disk full, and `hsm cancel` of
// a sweep whose hsm was killed. Every task appends `end i` to a ledger when it finishes; at the end
// every task is completed, and the ledger shows each one finished exactly once. 20 rounds (~16 s)
// in the suite; HSM_SOAK_ROUNDS (bench/soak.sh) runs more. A `complete` may exit before its kill
// (it lost the lock race or had nothing left to do): killAfter relies on waitForExit resolving for a
// child that has already exited. The full disk is a tmpfs: root only.

const ROUNDS = Number(process.env.HSM_SOAK_ROUNDS ?? 20);
const TASKS = 40;
const SWEEP = 'soak_1';

beforeAll(() => ensureBuilt());
afterAll(unmountSmallDisks);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const random = (max: number) => Math.floor(Math.random() * max);

async function killAfter(children: ChildProcess[], ms: number): Promise<void> {
  await sleep(ms);
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(children.map(waitForExit));
}

// root only (a tmpfs for the full disk), as the suite runs in CI
describe.skipIf(process.getuid?.() !== 0)('soak: faults mixed, every task completed exactly once', () => {
  it(
    `${ROUNDS} rounds of kill -9, concurrent completes, a full disk and orphaned cancels`,
    async () => {
      const values = Array.from({ length: TASKS }, (_, i) => i + 1).join(', ');
      const dir = makeProject(
        `name: soak
command: ["sh", "-c", "head -c 20000 /dev/zero | tr '\\\\0' x; sleep 0.2; echo end {i} >> ledger"]
args: none
sweep:
  grid:
    i: [${values}]
`,
        'defaults:\n  output_dir: small/outputs\n',
      );
      const small = mountSmallDisk(join(dir, 'small'), '64m');
      const log: string[] = [];

      // The first kill lands while the run is running tasks: a run killed before it created the sweep
      // leaves nothing for the rounds to complete (as it should), so wait for the sweep's store first.
      const run = hsmAsync(['run', '--jobs', '3', '--sweep-id', SWEEP], dir);
      const store = join(small, 'outputs', SWEEP, 'sweep.db');
      for (let waited = 0; !existsSync(store); waited += 20) {
        expect(waited, 'hsm run created the sweep').toBeLessThan(30_000);
        expect(run.exitCode, 'hsm run still running').toBeNull();
        await sleep(20);
      }
      await killAfter([run], random(500));
      for (let round = 1; round <= ROUNDS; round++) {
        const kind = round % 4;
        if (kind === 0) {
          const c = hsmAsync(['complete', SWEEP, '--jobs', '3'], dir);
          await killAfter([c], random(1200));
          log.push(`${round}: kill -9`);
        } else if (kind === 1) {
          const cs = Array.from({ length: 4 }, () => hsmAsync(['complete', SWEEP, '--jobs', '3'], dir));
          await killAfter(cs, 200 + random(1000));
          log.push(`${round}: 4 concurrent completes, killed`);
        } else if (kind === 2) {
          const used = Number(
            execFileSync('df', ['--output=used', '-B1', small], { encoding: 'utf8' }).split('\n')[1],
          );
          resizeSmallDisk(small, used + 300_000);
          const r = hsm(['complete', SWEEP, '--jobs', '3'], dir);
          expect([0, 3], r.stderr).toContain(r.code);
          if (r.code === 3) expect(r.stderr).toMatch(/disk full|cannot write/);
          expect(r.stderr).not.toContain('bug in hsm');
          resizeSmallDisk(small, '64m');
          log.push(`${round}: full disk, exit ${r.code}`);
        } else {
          const c = hsmAsync(['complete', SWEEP, '--jobs', '3'], dir);
          await killAfter([c], 200 + random(800));
          const r = hsm(['cancel', SWEEP], dir);
          expect([0, 2], r.stderr).toContain(r.code); // 2: nothing was left running
          log.push(`${round}: orphaned cancel, exit ${r.code}`);
        }
      }
      let done = hsm(['complete', SWEEP, '--jobs', '3', '--json'], dir);
      if (done.code !== 0) done = hsm(['complete', SWEEP, '--jobs', '3', '--retry-failed', '--json'], dir);
      expect(done.code, `${log.join('\n')}\n${done.stderr}`).toBe(0);
      expect((JSON.parse(done.stdout) as { counts: { completed: number } }).counts.completed).toBe(TASKS);
      const ends = readFileSync(join(dir, 'ledger'), 'utf8').trim().split('\n');
      for (let i = 1; i <= TASKS; i++)
        expect(
          ends.filter((l) => l === `end ${i}`),
          `task ${i} finished once\n${log.join('\n')}`,
        ).toHaveLength(1);
    },
    30_000 + ROUNDS * 15_000,
  );
});

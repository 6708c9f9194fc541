import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SweepPaths } from '../../src/state/sweep-paths.js';
import { SweepLock, liveLockOwner, readLockOwner } from '../../src/state/sweep-lock.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// The sweep lock under contention: separate processes (as concurrent `hsm complete`s are) try to take
// it at the same moment, round after round, each round after a crash left a stale owner record behind.
// Exactly one may win each round.

const CONTENDERS = 4;
const ROUNDS = 150;

interface Contender {
  child: ChildProcess;
  lines: Interface;
  /** The next answer; rejects if the process ends first. */
  next(): Promise<string>;
}

function startContender(script: string, dir: string): Contender {
  const child = spawn(process.execPath, [script, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  const waiting: { ok: (l: string) => void; fail: (e: Error) => void }[] = [];
  lines.on('line', (l) => (waiting.length ? waiting.shift()!.ok(l) : queue.push(l)));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.fail(new Error(`contender exited with ${code}`));
  });
  return {
    child,
    lines,
    next: () =>
      queue.length ? Promise.resolve(queue.shift()!) : new Promise((ok, fail) => waiting.push({ ok, fail })),
  };
}

// A pid that names no process: one that has exited.
function deadPid(): number {
  return spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim() as unknown as number;
}

describe('sweep lock', () => {
  const work = makeTempDir('hsm-lock-');
  // inside the package, so that it finds better-sqlite3 in node_modules
  const script = resolve(__dirname, `../../.test-results/lock-contender-${process.pid}.mjs`);
  const contenders: Contender[] = [];

  beforeAll(async () => {
    // the contender runs the real lock code: bundled from the sources, native modules from node_modules
    await build({
      entryPoints: [resolve(__dirname, '../helpers/lock-contender.ts')],
      outfile: script,
      bundle: true,
      platform: 'node',
      format: 'esm',
      external: ['better-sqlite3'],
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
      logLevel: 'warning',
    });
  });

  afterAll(() => {
    for (const c of contenders) c.child.kill();
    rmSync(script, { force: true });
  });

  it(`${CONTENDERS} processes taking it at once after a crash, ${ROUNDS} rounds: exactly one holds it each round`, async () => {
    const dir = join(work, 'sweep');
    const paths = new SweepPaths(dir);
    mkdirSync(dir);
    for (let i = 0; i < CONTENDERS; i++) contenders.push(startContender(script, dir));
    const dead = Number(deadPid());
    const winners: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      writeFileSync(paths.lock, `pid=${dead}\n`); // what a kill -9 of the previous owner leaves
      for (const c of contenders) c.child.stdin!.write('try\n');
      const answers = await Promise.all(contenders.map((c) => c.next()));
      const got = answers.flatMap((a, i) => (a === 'got' ? [i] : []));
      expect(
        answers.filter((a) => a !== 'got' && a !== 'locked'),
        `round ${round}`,
      ).toEqual([]);
      winners.push(got.length);
      for (const i of got) {
        contenders[i]!.child.stdin!.write('release\n');
        expect(await contenders[i]!.next()).toBe('released');
      }
    }
    expect(winners.filter((n) => n !== 1).length, `rounds without exactly one holder`).toBe(0);
  });

  it('names its owner by pid and start time; a dead or different process with that pid is no owner', () => {
    const dir = mkdtempSync(join(work, 'owner-'));
    const paths = new SweepPaths(dir);
    const lock = SweepLock.acquire(paths, 's');
    const owner = readLockOwner(paths.lock)!;
    expect(owner.pid).toBe(process.pid);
    expect(owner.start).toMatch(/^\d+$/);
    expect(liveLockOwner(paths.lock)).toBe(process.pid);
    // a second holder in the same process is refused too
    expect(() => SweepLock.acquire(paths, 's')).toThrow(/being run by another hsm process \(pid \d+\)/);
    lock.release();
    expect(liveLockOwner(paths.lock)).toBeNull();
    // our own pid with another start time: a pid reused by another process
    writeFileSync(paths.lock, `pid=${process.pid} start=1 boot=${owner.boot} host=${owner.host}\n`);
    expect(liveLockOwner(paths.lock)).toBeNull();
    writeFileSync(
      paths.lock,
      `pid=${process.pid} start=${owner.start} boot=another-boot host=${owner.host}\n`,
    );
    expect(liveLockOwner(paths.lock)).toBeNull();
    // the record of an older hsm: a pid alone
    writeFileSync(paths.lock, `pid=${process.pid}\n`);
    expect(liveLockOwner(paths.lock)).toBe(process.pid);
    // taken over from the stale record at once
    SweepLock.acquire(paths, 's').release();
  });
});

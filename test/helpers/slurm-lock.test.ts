import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { acquireSlurmLock } from './slurm-lock.js';
import { makeTempDir } from './temp-dir.js';

// The lock's semantics on a private lock file (the real one guards the shared cluster).
describe('the Slurm test lock', () => {
  const file = join(makeTempDir('hsm-slurm-lock-'), 'lock');

  it('lets shared holders in together and keeps an exclusive one waiting until they release', async () => {
    const a = await acquireSlurmLock('shared', 5000, file);
    const b = await acquireSlurmLock('shared', 5000, file);
    let got = false;
    const x = acquireSlurmLock('exclusive', 10_000, file).then((l) => {
      got = true;
      return l;
    });
    await a.release();
    // still one shared holder: the exclusive one cannot have it
    await expect(acquireSlurmLock('exclusive', 1000, file)).rejects.toThrow(/was not had/);
    expect(got).toBe(false);
    await b.release();
    const ex = await x;
    expect(got).toBe(true);
    await expect(acquireSlurmLock('shared', 1000, file)).rejects.toThrow(/was not had/);
    await ex.release();
    const c = await acquireSlurmLock('shared', 1000, file);
    await c.release();
  });

  it('an exclusive one waiting goes before shared ones that come after it (no starvation)', async () => {
    const a = await acquireSlurmLock('shared', 5000, file);
    let got = false;
    const x = acquireSlurmLock('exclusive', 10_000, file).then((l) => {
      got = true;
      return l;
    });
    // the exclusive one waits in the turnstile (holding it) once `flock -n` on it fails
    const deadline = Date.now() + 10_000;
    while (spawnSync('flock', ['--nonblock', `${file}.queue`, 'true']).status === 0) {
      if (Date.now() > deadline) throw new Error('the exclusive one never reached the turnstile');
      await new Promise((r) => setTimeout(r, 20));
    }
    // a shared holder is in, yet a new shared one waits behind the exclusive one
    await expect(acquireSlurmLock('shared', 1000, file)).rejects.toThrow(/was not had/);
    const late = acquireSlurmLock('shared', 10_000, file);
    await a.release();
    const ex = await x;
    expect(got).toBe(true);
    await ex.release();
    await (await late).release();
  });
});

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { sshInfra } from '../remote/test-infra.js';

// The Slurm test lock: the test cluster of scripts/infra is one, shared by test files running in
// parallel. Every test that uses Slurm holds this lock SHARED; a test that disrupts Slurm (stops a
// slurmd, restarts slurmctld, changes slurm.conf) holds it EXCLUSIVE and restores Slurm
// (`restoreSlurm`) before releasing it, so no other test ever sees a broken cluster.
//
// It is flock(1) on a file under the infrastructure directory, held by a small child process (a
// shell that takes the lock on a file descriptor, then `exec cat`): the lock lives as long as the
// child's stdin is open, so it is released when the test process ends however it ends (a crash, a
// kill -9).

export type SlurmLockMode = 'shared' | 'exclusive';

export interface SlurmLock {
  readonly mode: SlurmLockMode;
  release(): Promise<void>;
}

/** The lock file (under HSM_TEST_INFRA_DIR, next to the cluster it guards). */
export function slurmLockFile(): string {
  return join(sshInfra().dir, 'slurm-tests.lock');
}

/** Waits (up to `timeoutMs`) for the lock; throws when it cannot be had in time. */
export function acquireSlurmLock(
  mode: SlurmLockMode,
  // longer than the exclusive holders take together (a stopped slurmd alone is ~2 min under load)
  timeoutMs = 400_000,
  file = slurmLockFile(),
): Promise<SlurmLock> {
  // flock(1) grants a shared lock whenever no exclusive one is HELD, so a stream of shared holders
  // overlapping each other would keep an exclusive one waiting for ever. A turnstile (`FILE.queue`)
  // gives writers priority: everyone passes it before asking for the lock, and an exclusive holder
  // keeps it while it waits, so shared holders arriving meanwhile queue behind it.
  const wait = String(Math.ceil(timeoutMs / 1000));
  const script = [
    'exec 8>"$1.queue"; flock --exclusive --wait "$3" 8 || exit 1',
    'exec 9>"$1"; flock "--$2" --wait "$3" 9 || exit 1',
    'exec 8>&-; echo locked; exec cat >/dev/null',
  ].join('\n');
  const child = spawn('sh', ['-c', script, 'slurm-lock', file, mode, wait], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked\n')) resolvePromise({ mode, release: () => releaseChild(child) });
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!out.includes('locked\n'))
        reject(
          new Error(
            `the Slurm test lock (${mode}) was not had in ${timeoutMs} ms: flock exit ${code} ${err}`,
          ),
        );
    });
  });
}

function releaseChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    child.once('exit', () => r());
    child.stdin!.end();
  });
}

/** Holds the lock for the whole test file (beforeAll/afterAll); exclusive holders restore Slurm
 * before the lock goes. */
export function useSlurmLock(mode: SlurmLockMode): void {
  let lock: SlurmLock | null = null;
  beforeAll(async () => {
    lock = await acquireSlurmLock(mode);
  }, 420_000);
  afterAll(async () => {
    try {
      if (mode === 'exclusive') restoreSlurm();
    } finally {
      await lock?.release();
    }
  }, 120_000);
}

/** Brings the test cluster back as scripts/infra/slurm-up.sh starts it (its slurm.conf, slurmctld,
 * every slurmd, nodes resumed and idle). Idempotent; only for holders of the exclusive lock. */
export function restoreSlurm(): void {
  const infra = sshInfra();
  const script = resolve(import.meta.dirname, '../../scripts/infra/slurm-up.sh');
  // output to a file, not a pipe: a daemon the script starts must not hold our end open
  const log = join(infra.dir, 'slurm-restore.log');
  const fd = openSync(log, 'w');
  let r;
  try {
    r = spawnSync('bash', [script, ...infra.slurmNodes], {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, HSM_INFRA_DIR: infra.dir, SLURM_CONF: infra.slurmConf },
      timeout: 100_000,
    });
  } finally {
    closeSync(fd);
  }
  if (r.status !== 0)
    throw new Error(`restoring Slurm failed (exit ${r.status}): ${readFileSync(log, 'utf8').slice(-2000)}`);
}

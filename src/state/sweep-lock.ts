import { openSync, writeSync, closeSync, readFileSync, unlinkSync } from 'node:fs';
import { HsmError } from '../domain/errors.js';
import { isProcessAlive } from './process-liveness.js';

// One hsm process runs a sweep at a time. The lock is a file created with O_EXCL holding the owner's
// pid; a lock whose owner is dead (kill -9) is stale and taken over.
export class SweepLock {
  private constructor(private readonly path: string) {}

  static acquire(path: string, sweepId: string): SweepLock {
    for (let tries = 0; tries < 3; tries++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, `pid=${process.pid}\n`);
        closeSync(fd);
        return new SweepLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new HsmError('infra', `cannot create the lock file ${path}`, {
            evidence: (err as Error).message,
            hint: 'check that the sweep directory is writable',
            cause: err,
          });
        }
        const owner = readLockOwner(path);
        if (owner !== null && owner !== process.pid && isProcessAlive(owner)) {
          throw new HsmError(
            'locked',
            `sweep ${sweepId} is being run by another hsm process (pid ${owner})`,
            {
              hint: `wait for it to finish, watch it with \`hsm status ${sweepId} --watch\`, or stop it with \`hsm cancel ${sweepId}\``,
              details: { pid: owner },
            },
          );
        }
        try {
          unlinkSync(path); // stale: its owner is gone
        } catch {
          /* another process took it over first; retry */
        }
      }
    }
    throw new HsmError('locked', `could not take the lock of sweep ${sweepId}`, {
      hint: 'retry in a moment',
    });
  }

  release(): void {
    try {
      if (readLockOwner(this.path) === process.pid) unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}

// The pid of the process holding a sweep's lock, or null.
export function readLockOwner(path: string): number | null {
  try {
    const m = /pid=(\d+)/.exec(readFileSync(path, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

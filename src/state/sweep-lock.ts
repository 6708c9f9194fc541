import { readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { HsmError } from '../domain/errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { isSameProcessAlive, processIdentity, type ProcessIdentity } from '../process/process-liveness.js';

// One hsm process runs a sweep at a time. The exclusion is an OS lock, not a file's existence: the
// runner holds a write lock (fcntl, through SQLite's locking) on `sweep.lock.db` for the whole run,
// and the kernel drops it when that process ends, however it ends (kill -9 too). So two processes
// can never both hold it, and taking over from a dead owner needs no stale-file removal (removing a
// stale pid file and creating a new one is the race that let two `hsm complete` run one sweep).
// `sweep.lock` names the owner (pid, process start time, boot, host) for readers: status, recent and
// cancel. It is written after the OS lock is taken and removed before it is released.

export interface LockPaths {
  /** The owner record (text). */
  lock: string;
  /** The file the OS lock is held on. */
  osLock: string;
}

export interface LockOwner extends ProcessIdentity {
  host: string | null;
}

export class SweepLock {
  private constructor(
    private readonly paths: LockPaths,
    private readonly db: Database.Database,
  ) {}

  static acquire(paths: LockPaths, sweepId: string): SweepLock {
    let db: Database.Database;
    try {
      db = new Database(paths.osLock);
      db.pragma('busy_timeout = 0');
    } catch (err) {
      throw new HsmError('infra', `cannot create the lock file ${paths.osLock}`, {
        evidence: (err as Error).message,
        hint: 'check that the sweep directory is writable',
        cause: err,
      });
    }
    try {
      // RESERVED lock: one holder at a time; nothing is ever written, so it never blocks a reader
      db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      db.close();
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') {
        throw new HsmError('infra', `cannot lock ${paths.osLock}`, {
          evidence: (err as Error).message,
          hint: 'check that the sweep directory is writable and its file system supports locks',
          cause: err,
        });
      }
      const owner = liveLockOwner(paths.lock);
      throw new HsmError(
        'locked',
        `sweep ${sweepId} is being run by another hsm process${owner !== null ? ` (pid ${owner})` : ''}`,
        {
          hint: `wait for it to finish, watch it with \`hsm status ${sweepId} --watch\`, or stop it with \`hsm cancel ${sweepId}\``,
          details: { pid: owner },
        },
      );
    }
    const lock = new SweepLock(paths, db);
    try {
      const me = processIdentity(process.pid);
      writeFileAtomic(
        paths.lock,
        `pid=${me.pid} start=${me.start ?? '-'} boot=${me.boot ?? '-'} host=${hostname()}\n`,
      );
    } catch (err) {
      lock.release();
      throw new HsmError('infra', `cannot write the lock file ${paths.lock}`, {
        evidence: (err as Error).message,
        hint: 'check that the sweep directory is writable and the disk is not full',
        cause: err,
      });
    }
    return lock;
  }

  release(): void {
    if (!this.db.open) return;
    try {
      if (readLockOwner(this.paths.lock)?.pid === process.pid) unlinkSync(this.paths.lock);
    } catch {
      /* already gone */
    }
    this.db.close(); // releases the OS lock
  }
}

// The owner record of a sweep's lock as written, or null (none, or unreadable). `sweep.lock` of older
// versions holds only `pid=N`.
export function readLockOwner(path: string): LockOwner | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const field = (k: string) => {
    const v = new RegExp(`(?:^|\\s)${k}=(\\S+)`).exec(text)?.[1];
    return v === undefined || v === '-' ? null : v;
  };
  const pid = Number(field('pid'));
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return { pid, start: field('start'), boot: field('boot'), host: field('host') };
}

// The pid of the hsm process running a sweep on this machine, or null: the owner named in the lock
// file must still run, and be the same process (start time), not a later one that reused its pid.
// An owner on another host cannot be checked (nor signalled) from here: null.
export function liveLockOwner(path: string): number | null {
  const owner = readLockOwner(path);
  if (owner === null) return null;
  if (owner.host !== null && owner.host !== hostname()) return null;
  return isSameProcessAlive(owner) ? owner.pid : null;
}

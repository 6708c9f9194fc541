// A failure to write where the sweep lives (disk full, quota, read-only file system, I/O error) is not
// a bug: the engine stops handing over attempts at once, lets the running ones finish, and the run ends
// with what happened, where, and what to do. Recognised from Node's errno codes and SQLite's.

export interface StorageFailure {
  /** ENOSPC, EDQUOT, EROFS, EIO, SQLITE_FULL, ... */
  code: string;
  /** The file or directory that could not be written, when known. */
  path: string | null;
  message: string;
}

const ERRNO = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO']);

export function storageFailureOf(err: unknown): StorageFailure | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { code?: unknown; path?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (!ERRNO.has(code) && !/^SQLITE_(FULL|IOERR|READONLY|CANTOPEN)/.test(code)) return null;
  return {
    code,
    path: typeof e.path === 'string' ? e.path : null,
    message: typeof e.message === 'string' ? e.message : code,
  };
}

/** Whether a failure means the disk is full (rather than read-only or failing). */
export function isDiskFull(f: StorageFailure): boolean {
  return f.code === 'ENOSPC' || f.code === 'EDQUOT' || f.code === 'SQLITE_FULL';
}

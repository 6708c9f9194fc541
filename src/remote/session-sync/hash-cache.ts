import type { Stats } from 'node:fs';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

// sha256 of local files remembered by their stat data (size, mtime and ctime, inode): a push of a
// 2,000-file project then reads only the files that changed. Any write to a file changes its
// ctime, so a stale hash is never used, except for a write within the same tick of the kernel's
// file clock (a few ms) as the one hashed: so a file changed in the last RECENT_MS is hashed again
// next time (git's "racily clean" entries). The times are the float milliseconds of a plain lstat
// (to ~0.25 µs; BigInt stats cost a BigInt per field): a write after a hash is remembered is at
// least RECENT_MS later, far beyond that. Kept in the project's `.hsm/` (never synced); a cache
// that cannot be read or written only costs the hashing.

const RECENT_MS = 2000;

export class HashCache {
  private changed = false;
  private readonly seen = new Map<string, [string, string]>();

  private constructor(
    private readonly file: string,
    private readonly known: Map<string, [string, string]>,
  ) {}

  static load(file: string): HashCache {
    const known = new Map<string, [string, string]>();
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as {
        version?: number;
        files?: Record<string, [string, string]>;
      };
      if (data.version === 2 && data.files) for (const [p, v] of Object.entries(data.files)) known.set(p, v);
    } catch {
      /* none yet, or damaged: hash everything */
    }
    return new HashCache(file, known);
  }

  get(path: string, st: Stats): string | undefined {
    const hit = this.known.get(path);
    if (!hit || hit[0] !== keyOf(st)) return undefined;
    this.seen.set(path, hit);
    return hit[1];
  }

  set(path: string, st: Stats, sha: string): void {
    this.changed = true;
    const now = Date.now();
    if (now - st.ctimeMs < RECENT_MS || now - st.mtimeMs < RECENT_MS) return;
    this.seen.set(path, [keyOf(st), sha]);
  }

  /** Writes what this scan saw (files gone since are forgotten). */
  save(): void {
    if (!this.changed && this.seen.size === this.known.size) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(`${this.file}.tmp`, JSON.stringify({ version: 2, files: Object.fromEntries(this.seen) }));
      renameSync(`${this.file}.tmp`, this.file);
    } catch {
      /* a read-only project: hashes are computed again next time */
    }
  }
}

function keyOf(st: Stats): string {
  return `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
}

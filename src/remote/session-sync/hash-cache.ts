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

/** First line of the cache file; then `path\0<stat key> <sha256>\0` per file (a split, no JSON parse). */
const HEADER = 'hsm-local-hashes 3\n';

export class HashCache {
  private changed = false;
  /** Path -> `<stat key> <sha256>`, as kept in the file. */
  private readonly seen = new Map<string, string>();

  private constructor(
    private readonly file: string,
    private readonly known: Map<string, string>,
  ) {}

  static load(file: string): HashCache {
    const known = new Map<string, string>();
    try {
      const text = readFileSync(file, 'utf8');
      if (text.startsWith(HEADER)) {
        const parts = text.slice(HEADER.length).split('\0');
        for (let i = 0; i + 1 < parts.length; i += 2) known.set(parts[i]!, parts[i + 1]!);
      }
    } catch {
      /* none yet, or damaged: hash everything */
    }
    return new HashCache(file, known);
  }

  get(path: string, st: Stats): string | undefined {
    const hit = this.known.get(path);
    if (hit === undefined) return undefined;
    const key = keyOf(st);
    if (hit.length !== key.length + 65 || !hit.startsWith(key) || hit.charCodeAt(key.length) !== 32)
      return undefined;
    this.seen.set(path, hit);
    return hit.slice(key.length + 1);
  }

  set(path: string, st: Stats, sha: string): void {
    this.changed = true;
    const now = Date.now();
    if (now - st.ctimeMs < RECENT_MS || now - st.mtimeMs < RECENT_MS) return;
    this.seen.set(path, `${keyOf(st)} ${sha}`);
  }

  /** Writes what this scan saw (files gone since, or changed too recently, are forgotten). */
  save(): void {
    if (!this.changed && this.seen.size === this.known.size) return;
    let text = HEADER;
    for (const [p, v] of this.seen) text += `${p}\0${v}\0`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(`${this.file}.tmp`, text);
      renameSync(`${this.file}.tmp`, this.file);
    } catch {
      /* a read-only project: hashes are computed again next time */
    }
  }
}

function keyOf(st: Stats): string {
  return `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
}

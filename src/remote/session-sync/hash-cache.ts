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
//
// The stat data is kept as numbers (a Float64Array, compared as is): a text key per file cost a
// number-to-text conversion of two float times per file, ~2.5 ms a scan of 2,000 files.

const RECENT_MS = 2000;

/**
 * The file: `hsm-local-hashes 4 <n> <text bytes>\n`, then `path\0<sha256>\0` per file (a split, no
 * JSON parse), then the stat data of each, 4 float64 (size, mtimeMs, ctimeMs, ino) in this machine's byte
 * order (the file never leaves it).
 */
const MAGIC = 'hsm-local-hashes 4';
const FIELDS = 4;

export class HashCache {
  /** The file's entries seen unchanged by this scan. */
  private readonly seen: Uint8Array;
  private seenCount = 0;
  /** Hashed by this scan (and old enough to be remembered). */
  private readonly added: { path: string; sha: string; st: Stats }[] = [];

  private constructor(
    private readonly file: string,
    private readonly index: Map<string, number>,
    private readonly shas: readonly string[],
    private readonly stats: Float64Array,
    /** The file was there and read: it need not be written when nothing changed. */
    private readonly read: boolean,
  ) {
    this.seen = new Uint8Array(shas.length);
  }

  static load(file: string): HashCache {
    const index = new Map<string, number>();
    const shas: string[] = [];
    let stats = new Float64Array(0);
    let read = false;
    try {
      const raw = readFileSync(file);
      const nl = raw.indexOf(10);
      const head = raw.toString('latin1', 0, nl).split(' ');
      const n = Number(head[2]);
      const textBytes = Number(head[3]);
      const at = nl + 1 + textBytes;
      if (`${head[0]} ${head[1]}` === MAGIC && raw.length === at + n * FIELDS * 8) {
        const parts = raw.toString('utf8', nl + 1, at).split('\0');
        if (parts.length === 2 * n + 1) {
          // (a copy: the numbers need an 8-byte aligned buffer)
          stats = new Float64Array(raw.buffer.slice(raw.byteOffset + at, raw.byteOffset + raw.length));
          for (let i = 0; i < n; i++) {
            index.set(parts[2 * i]!, i);
            shas.push(parts[2 * i + 1]!);
          }
          read = shas.length === index.size;
        }
      }
    } catch {
      /* none yet, or damaged: hash everything */
    }
    if (!read) return new HashCache(file, new Map(), [], new Float64Array(0), false);
    return new HashCache(file, index, shas, stats, true);
  }

  get(path: string, st: Stats): string | undefined {
    const i = this.index.get(path);
    if (i === undefined) return undefined;
    const s = this.stats;
    const o = i * FIELDS;
    if (s[o] !== st.size || s[o + 1] !== st.mtimeMs || s[o + 2] !== st.ctimeMs || s[o + 3] !== st.ino)
      return undefined;
    if (this.seen[i] === 0) {
      this.seen[i] = 1;
      this.seenCount++;
    }
    return this.shas[i];
  }

  set(path: string, st: Stats, sha: string): void {
    const now = Date.now();
    if (now - st.ctimeMs < RECENT_MS || now - st.mtimeMs < RECENT_MS) return;
    this.added.push({ path, sha, st });
  }

  /** Writes what this scan saw (files gone since, or changed too recently, are forgotten). */
  save(): void {
    if (this.read && this.added.length === 0 && this.seenCount === this.shas.length) return;
    const n = this.seenCount + this.added.length;
    const stats = new Float64Array(n * FIELDS);
    let text = '';
    let k = 0;
    const put = (path: string, sha: string, size: number, mtime: number, ctime: number, ino: number) => {
      text += `${path}\0${sha}\0`;
      stats.set([size, mtime, ctime, ino], k * FIELDS);
      k++;
    };
    for (const [path, i] of this.index) {
      if (this.seen[i] === 0) continue;
      const o = i * FIELDS;
      put(path, this.shas[i]!, this.stats[o]!, this.stats[o + 1]!, this.stats[o + 2]!, this.stats[o + 3]!);
    }
    for (const a of this.added) put(a.path, a.sha, a.st.size, a.st.mtimeMs, a.st.ctimeMs, a.st.ino);
    const body = Buffer.from(text, 'utf8');
    const data = Buffer.concat([
      Buffer.from(`${MAGIC} ${n} ${body.length}\n`),
      body,
      Buffer.from(stats.buffer, stats.byteOffset, stats.byteLength),
    ]);
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(`${this.file}.tmp`, data);
      renameSync(`${this.file}.tmp`, this.file);
    } catch {
      /* a read-only project: hashes are computed again next time */
    }
  }
}

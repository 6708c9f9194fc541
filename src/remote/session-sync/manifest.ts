// What each side has, and what a push must do to make the node's copy equal to the local one.
// Pure: both manifests come in, a plan goes out (session-push.ts carries it out).
//
// The node's content hashes are not recomputed on every push: the push leaves on the node the
// sha256 of every file it wrote (`shas`) and, last, its token, whose mtime marks when it ended. A
// file not changed since (its ctime is older: `changed`) still has that hash; any other file of
// the same size as the local one is hashed on the node (`needHash`).

export type EntryType = 'file' | 'symlink' | 'dir';

export interface ManifestEntry {
  /** Relative to the root, `/`-separated, no leading `./`. */
  path: string;
  type: EntryType;
  /** Permission bits. */
  mode: number;
  size: number;
  /** Seconds since the epoch (fractional). */
  mtime: number;
  /** sha256 of the content (files). */
  sha?: string;
  /** Symlink target. */
  target?: string;
}

/** One entry of the node's listing (`find -printf '%y %m %s %T@ %P\0%l\0'`). */
export interface RemoteEntry {
  path: string;
  /** `other` for sockets, fifos, devices. */
  type: EntryType | 'other';
  mode: number;
  size: number;
  /** mtime as find printed it (compared as text, to the nanosecond). */
  mtimeText: string;
  target: string;
}

/** What the node has, read by the helper's `state` (or as this machine knows the last push left it). */
export interface RemoteState {
  entries: Map<string, RemoteEntry>;
  /**
   * Entries changed on the node since the last push ended: their content may not be what `shas`
   * says. null: any may have (no push ended there).
   */
  changed: ReadonlySet<string> | null;
  /** What the last push wrote: path -> sha256 for files, `-` for symlinks and directories. */
  shas: Map<string, string>;
  /** Chunks already received (sha256 of each), kept until the push that sent them is applied. */
  chunks: Set<string>;
}

export interface PushPlan {
  /** Entries to write (contents, symlinks, directories), in path order. */
  send: ManifestEntry[];
  /** Paths whose permissions alone differ. */
  chmod: { path: string; mode: number }[];
  /** Removed first (`rm -rf`): deleted files and symlinks, and anything in the way of another type. */
  remove: string[];
  /** Directories the last push made that are gone locally: removed when empty, deepest first. */
  rmdir: string[];
  /** Files of the node whose hash is unknown (same size, changed since the last push). */
  needHash: string[];
  /** Entries already equal. */
  unchanged: number;
}

// The node's sha256 of `path` when it is known without reading the file.
function knownSha(
  remote: RemoteState,
  r: RemoteEntry,
  hashed: ReadonlyMap<string, string>,
): string | undefined {
  const h = hashed.get(r.path);
  if (h) return h;
  if (remote.changed === null || remote.changed.has(r.path) || r.type !== 'file') return undefined;
  const sha = remote.shas.get(r.path);
  return sha && sha !== '-' ? sha : undefined;
}

/**
 * The plan that makes the node's copy equal to `local`. Deletions touch only what an earlier
 * push wrote (files the node made itself, e.g. outputs, are never deleted), and anything in the
 * way of an entry of another type. `hashed` holds hashes the node computed on request.
 */
export function planPush(
  local: readonly ManifestEntry[],
  remote: RemoteState,
  hashed: ReadonlyMap<string, string> = new Map(),
): PushPlan {
  const plan: PushPlan = { send: [], chmod: [], remove: [], rmdir: [], needHash: [], unchanged: 0 };
  const localPaths = new Set(local.map((e) => e.path));
  for (const e of [...local].sort((a, b) => cmp(a.path, b.path))) {
    const r = remote.entries.get(e.path);
    if (r && r.type !== e.type) {
      plan.remove.push(e.path);
      plan.send.push(e);
      continue;
    }
    if (!r) {
      plan.send.push(e);
      continue;
    }
    if (e.type === 'symlink') {
      if (r.target === e.target) plan.unchanged++;
      else {
        plan.remove.push(e.path);
        plan.send.push(e);
      }
      continue;
    }
    if (e.type === 'file') {
      if (r.size !== e.size) {
        plan.send.push(e);
        continue;
      }
      const sha = knownSha(remote, r, hashed);
      if (sha === undefined) {
        plan.needHash.push(e.path);
        continue;
      }
      if (sha !== e.sha) {
        plan.send.push(e);
        continue;
      }
    }
    if ((r.mode & 0o7777) !== (e.mode & 0o7777)) plan.chmod.push({ path: e.path, mode: e.mode & 0o7777 });
    else plan.unchanged++;
  }
  for (const path of remote.shas.keys()) {
    if (localPaths.has(path) || !remote.entries.has(path)) continue;
    if (underRemoved(path, plan.remove)) continue;
    if (remote.entries.get(path)!.type === 'dir') plan.rmdir.push(path);
    else plan.remove.push(path);
  }
  plan.rmdir.sort((a, b) => b.split('/').length - a.split('/').length || cmp(a, b));
  return plan;
}

function underRemoved(path: string, removed: readonly string[]): boolean {
  return removed.some((r) => path.startsWith(r + '/'));
}

// Byte order of the UTF-8 names (the order of the archive and of every listing hsm prints).
// UTF-16 code units below the surrogates order as UTF-8 bytes do: only a difference at or above
// U+D800 needs the bytes (a sort of 2,000 paths encoding both names per comparison took ~5 ms).
export function cmp(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
  }
  return a.length - b.length;
}

/**
 * The record of a push left on the node (`shas`): `sha path\0` per entry (`-` for symlinks and
 * directories, `x` for a path removed). Later records of a path win, so a small push appends
 * only what it changed (`delta`) instead of rewriting the record of every file.
 */
export function serializeShas(entries: readonly ManifestEntry[], removed: readonly string[] = []): Buffer {
  return Buffer.from(
    entries.map((e) => `${e.type === 'file' ? e.sha : '-'} ${e.path}\0`).join('') +
      removed.map((p) => `x ${p}\0`).join(''),
    'utf8',
  );
}

/**
 * The record of what changed since the whole record was written (`shas.add`, sent whole by each
 * push): `added` (that record as the node has it) with `changed` and `removed` laid over it. So
 * the same few files edited push after push keep it a few entries long. Its entry count comes
 * with it (the push sends a whole record instead when it grows large).
 */
export function mergeShas(
  added: Buffer,
  changed: readonly ManifestEntry[],
  removed: readonly string[],
): { data: Buffer; entries: number } {
  const out = new Map<string, string>();
  for (const rec of added.toString('utf8').split('\0')) {
    const sp = rec.indexOf(' ');
    if (sp > 0) out.set(rec.slice(sp + 1), rec.slice(0, sp));
  }
  for (const e of changed) out.set(e.path, e.type === 'file' ? e.sha! : '-');
  for (const p of removed) out.set(p, 'x');
  let text = '';
  for (const [p, v] of out) text += `${v} ${p}\0`;
  return { data: Buffer.from(text, 'utf8'), entries: out.size };
}

export function parseShas(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  for (const rec of data.toString('utf8').split('\0')) {
    const sp = rec.indexOf(' ');
    if (sp <= 0) continue;
    const path = rec.slice(sp + 1);
    if (rec.slice(0, sp) === 'x') out.delete(path);
    else out.set(path, rec.slice(0, sp));
  }
  return out;
}

/** Entries in the shape of the node's listing (what parseListing reads back). */
export function serializeListing(entries: Iterable<RemoteEntry>): Buffer {
  const t = { file: 'f', symlink: 'l', dir: 'd', other: 'o' } as const;
  let out = '';
  for (const e of entries)
    out += `${t[e.type]} ${e.mode.toString(8)} ${e.size} ${e.mtimeText} ${e.path}\0${e.target}\0`;
  return Buffer.from(out, 'utf8');
}

/** `find -print0` output: paths, without find's `./`. */
export function parsePaths(data: Buffer): Set<string> {
  const out = new Set<string>();
  for (const p of data.toString('utf8').split('\0')) if (p !== '') out.add(p.replace(/^\.\/?/, ''));
  return out;
}

/**
 * Parses `find -printf '%y %m %s %T@ %P\0%l\0'` output (the root itself, `%P` empty, is left out),
 * or the helper's stat(1) fallback in the same shape, whose paths start with `./` (find's own).
 */
export function parseListing(data: Buffer): Map<string, RemoteEntry> {
  const out = new Map<string, RemoteEntry>();
  const parts = data.toString('utf8').split('\0');
  // (fields found with indexOf, not a regular expression: ~2x faster for the 2,000 entries a
  // push reads back from its cache)
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const rec = parts[i]!;
    const a = rec.indexOf(' ', 2);
    const b = a < 0 ? -1 : rec.indexOf(' ', a + 1);
    const c = b < 0 ? -1 : rec.indexOf(' ', b + 1);
    if (rec.charCodeAt(1) !== 32 || c < 0 || rec.charCodeAt(0) === 32) continue;
    const modeText = rec.slice(2, a);
    const sizeText = rec.slice(a + 1, b);
    if (!DIGITS.test(modeText) || !DIGITS.test(sizeText) || c === b + 1) continue;
    let path = rec.slice(c + 1);
    if (path.startsWith('./')) path = path.slice(2);
    if (path === '') continue;
    const t = rec[0];
    out.set(path, {
      path,
      type: t === 'f' ? 'file' : t === 'l' ? 'symlink' : t === 'd' ? 'dir' : 'other',
      mode: parseInt(modeText, 8),
      size: Number(sizeText),
      mtimeText: rec.slice(b + 1, c),
      target: parts[i + 1]!,
    });
  }
  return out;
}

const DIGITS = /^\d+$/;

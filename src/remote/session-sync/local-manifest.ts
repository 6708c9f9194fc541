import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { syncFilterArgs, type SyncFilterRules } from '../../config/sync-filter.js';
import { HsmError } from '../../domain/errors.js';
import { runCommand } from '../../process/run-command.js';
import { HashCache } from './hash-cache.js';
import { ListingCache } from './listing-cache.js';
import type { ManifestEntry } from './manifest.js';

/** The local hash cache, in the project's `.hsm/` (never synced). */
const HASH_CACHE = '.hsm/session-sync/local-hashes';
/** The last rsync listing, and what it depended on. */
const LISTING_CACHE = '.hsm/session-sync/local-listing.json';

// The local side's manifest: which files a push sends is decided by the same rsync filter rules
// as the ssh source's sync (config/sync-filter.ts: .gitignore files, sync_exclude, the outputs,
// `.hsm/`), applied by a local `rsync --dry-run` that only lists (its answer kept until a
// directory or a .gitignore changes: listing-cache.ts); then each entry's type, mode, size, mtime
// and (files) sha256.

export async function readLocalManifest(
  root: string,
  rules: SyncFilterRules,
  signal?: AbortSignal,
): Promise<ManifestEntry[]> {
  const listing = ListingCache.load(join(root, LISTING_CACHE), root, syncFilterArgs(rules));
  let paths = listing.paths();
  if (!paths) {
    paths = await listWithRsync(root, rules);
    listing.save(paths);
  }
  const cache = HashCache.load(join(root, HASH_CACHE));
  const entries: ManifestEntry[] = [];
  const base = root.endsWith('/') ? root : root + '/';
  for (const path of paths) {
    if (signal?.aborted) throw new HsmError('interrupted', 'Interrupted while reading the project.');
    const e = entryOf(base, path, cache);
    const done = e?.sha === LARGE ? await streamed(e, base + path, cache) : e;
    if (done) entries.push(done);
  }
  cache.save();
  return entries;
}

/** Every entry under `root` (no filter rules: a pull's target directory). */
export async function walkLocal(root: string): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  const base = root.endsWith('/') ? root : root + '/';
  const visit = async (rel: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(rel === '' ? root : join(root, rel));
    } catch {
      return; // missing: nothing here yet
    }
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const e = entryOf(base, path);
      const done = e?.sha === LARGE ? await streamed(e, base + path) : e;
      if (!done) continue;
      out.push(done);
      if (done.type === 'dir') await visit(path);
    }
  };
  await visit('');
  return out;
}

// One entry's type, mode, size, mtime and (files) sha256, synchronously: a 2,000-file scan is
// 2,000 lstats and cache look-ups in a tight loop (awaiting a stream per file made it take 0.7-3.5 s
// on a loaded machine). A file over SMALL not in the cache comes back with sha LARGE, to be
// streamed (`streamed`). `base` ends with `/`.
function entryOf(base: string, path: string, cache?: HashCache): (ManifestEntry & { stat?: Stats }) | null {
  const abs = base + path;
  let st;
  try {
    st = lstatSync(abs);
  } catch {
    return null; // gone since it was listed
  }
  const mode = st.mode & 0o7777;
  const mtime = st.mtimeMs / 1000;
  if (st.isSymbolicLink()) return { path, type: 'symlink', mode, size: 0, mtime, target: readlinkSync(abs) };
  if (st.isDirectory()) return { path, type: 'dir', mode, size: 0, mtime };
  if (!st.isFile()) return null;
  const size = st.size;
  let sha = cache?.get(path, st);
  if (sha === undefined) {
    if (size > SMALL) return { path, type: 'file', mode, size, mtime, sha: LARGE, stat: st };
    try {
      sha = createHash('sha256').update(readFileSync(abs)).digest('hex');
    } catch {
      return null; // unreadable or gone: not sent (as rsync would report it, hsm skips it)
    }
    cache?.set(path, st, sha);
  }
  return { path, type: 'file', mode, size, mtime, sha };
}

const SMALL = 4 * 1024 * 1024;
/** The sha of a file over SMALL that is not in the cache: to be read as a stream. */
const LARGE = 'large';

async function streamed(
  e: ManifestEntry & { stat?: Stats },
  abs: string,
  cache?: HashCache,
): Promise<ManifestEntry | null> {
  const { stat, ...entry } = e;
  try {
    entry.sha = await sha256File(abs);
  } catch {
    return null;
  }
  if (stat) cache?.set(e.path, stat, entry.sha);
  return entry;
}

export function sha256File(abs: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(abs)
      .on('data', (d) => hash.update(d))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

// `rsync -r --links --dry-run` into a directory that does not exist lists every entry the filter
// rules keep, one `%n` per line (directories with a trailing `/`, non-printable bytes as `\#ooo`).
async function listWithRsync(root: string, rules: SyncFilterRules): Promise<string[]> {
  const argv = [
    'rsync',
    '-r',
    '--links',
    '--dry-run',
    '--out-format=%n',
    ...syncFilterArgs(rules),
    './',
    join(root, '.hsm-no-such-dir', String(process.pid), ''),
  ];
  const r = await runCommand(argv, { cwd: root });
  if (r.error) {
    throw new HsmError(
      'infra',
      'rsync is needed on this machine to list the project files (its filter rules decide what is synced).',
      {
        evidence: r.error,
        hint: 'Install rsync (apt install rsync, brew install rsync).',
      },
    );
  }
  if (r.exitCode !== 0) {
    throw new HsmError(
      'infra',
      `Listing the project files in ${root} with rsync failed (exit ${r.exitCode}).`,
      {
        evidence: r.stderr.trim().split('\n').slice(-5).join('\n'),
      },
    );
  }
  const out: string[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line === '' || line === './') continue;
    out.push(unescapeRsyncName(line).replace(/\/$/, ''));
  }
  return out;
}

/** rsync prints a non-printable byte of a name as `\#ooo` (octal). */
export function unescapeRsyncName(name: string): string {
  if (!name.includes('\\#')) return name;
  const bytes = Buffer.from(name, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x5c && bytes[i + 1] === 0x23 && i + 4 < bytes.length) {
      const oct = bytes.subarray(i + 2, i + 5).toString('latin1');
      if (/^[0-7]{3}$/.test(oct)) {
        out.push(parseInt(oct, 8));
        i += 4;
        continue;
      }
    }
    out.push(bytes[i]!);
  }
  return Buffer.from(out).toString('utf8');
}

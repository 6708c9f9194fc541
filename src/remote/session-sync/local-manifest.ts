import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { syncFilterArgs, type SyncFilterRules } from '../../config/sync-filter.js';
import { HsmError } from '../../domain/errors.js';
import { runCommand } from '../../process/run-command.js';
import { HashCache } from './hash-cache.js';
import { ListingCache } from './listing-cache.js';
import type { ManifestEntry } from './manifest.js';

/** The local hash cache, in the project's `.hsm/` (never synced). */
const HASH_CACHE = '.hsm/session-sync/local-hashes.json';
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
  for (const path of paths) {
    if (signal?.aborted) throw new HsmError('interrupted', 'Interrupted while reading the project.');
    const e = await entryOf(root, path, cache);
    if (e) entries.push(e);
  }
  cache.save();
  return entries;
}

/** Every entry under `root` (no filter rules: a pull's target directory). */
export async function walkLocal(root: string): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  const visit = async (rel: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(rel === '' ? root : join(root, rel));
    } catch {
      return; // missing: nothing here yet
    }
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const e = await entryOf(root, path);
      if (!e) continue;
      out.push(e);
      if (e.type === 'dir') await visit(path);
    }
  };
  await visit('');
  return out;
}

// One entry's type, mode, size, mtime and (files) sha256. Synchronous reads for the small files
// most projects are made of: awaiting a stream per file made a 2,000-file scan take 0.7-3.5 s
// on a loaded machine, against ~0.1 s this way; files over SMALL are streamed.
async function entryOf(root: string, path: string, cache?: HashCache): Promise<ManifestEntry | null> {
  const abs = join(root, path);
  let st;
  try {
    st = lstatSync(abs, { bigint: true });
  } catch {
    return null; // gone since it was listed
  }
  const mode = Number(st.mode & 0o7777n);
  const mtime = Number(st.mtimeNs) / 1e9;
  if (st.isSymbolicLink()) return { path, type: 'symlink', mode, size: 0, mtime, target: readlinkSync(abs) };
  if (st.isDirectory()) return { path, type: 'dir', mode, size: 0, mtime };
  if (!st.isFile()) return null;
  const size = Number(st.size);
  let sha: string;
  try {
    const known = cache?.get(path, st);
    sha =
      known ??
      (size <= SMALL ? createHash('sha256').update(readFileSync(abs)).digest('hex') : await sha256File(abs));
    if (known === undefined) cache?.set(path, st, sha);
  } catch {
    return null; // unreadable or gone: not sent (as rsync would report it, hsm skips it)
  }
  return { path, type: 'file', mode, size, mtime, sha };
}

const SMALL = 4 * 1024 * 1024;

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

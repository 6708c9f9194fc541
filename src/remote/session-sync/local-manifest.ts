import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncFilterArgs, type SyncFilterRules } from '../../config/sync-filter.js';
import { HsmError } from '../../domain/errors.js';
import { runCommand } from '../../process/run-command.js';
import type { ManifestEntry } from './manifest.js';

// The local side's manifest: which files a push sends is decided by the same rsync filter rules
// as the ssh source's sync (config/sync-filter.ts: .gitignore files, sync_exclude, the outputs,
// `.hsm/`), applied by a local `rsync --dry-run` that only lists; then each entry's type, mode,
// size, mtime and (files) sha256.

export async function readLocalManifest(
  root: string,
  rules: SyncFilterRules,
  signal?: AbortSignal,
): Promise<ManifestEntry[]> {
  const paths = await listWithRsync(root, rules);
  const entries: ManifestEntry[] = [];
  for (const path of paths) {
    if (signal?.aborted) throw new HsmError('interrupted', 'Interrupted while reading the project.');
    const e = await entryOf(root, path);
    if (e) entries.push(e);
  }
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

async function entryOf(root: string, path: string): Promise<ManifestEntry | null> {
  const abs = join(root, path);
  let st;
  try {
    st = await lstat(abs, { bigint: true });
  } catch {
    return null; // gone since it was listed
  }
  const mode = Number(st.mode & 0o7777n);
  const mtime = Number(st.mtimeNs) / 1e9;
  if (st.isSymbolicLink())
    return { path, type: 'symlink', mode, size: 0, mtime, target: await readlink(abs) };
  if (st.isDirectory()) return { path, type: 'dir', mode, size: 0, mtime };
  if (st.isFile())
    return { path, type: 'file', mode, size: Number(st.size), mtime, sha: await sha256File(abs) };
  return null;
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

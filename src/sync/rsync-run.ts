import { spawn } from 'node:child_process';
import type { SyncProgress, TransferItem } from './sync-types.js';

// Runs one rsync (argv from rsync-argv.ts) and reads what it prints: one `%i\t%M\t%n` line per
// item, `--info=progress2` lines (ended by \r), and the `--stats` block.

export interface RsyncItem extends TransferItem {
  /** The sending side's modification time (`YYYY/MM/DD-HH:MM:SS`); null for a deletion. */
  mtime: string | null;
  /** A directory entry. */
  directory: boolean;
  /** File data moves (`<`/`>`), not only attributes such as the mtime. */
  data: boolean;
}

export interface RsyncResult {
  exitCode: number | null;
  items: RsyncItem[];
  /** Bytes over the connection, both ways (`Total bytes sent` + `Total bytes received`). */
  bytes: number;
  stderr: string;
  /** rsync could not be started (not installed here). */
  spawnError: string | null;
  interrupted: boolean;
}

export function runRsync(
  argv: readonly string[],
  options: { cwd: string; signal?: AbortSignal; onProgress?: (p: SyncProgress) => void },
): Promise<RsyncResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const items: RsyncItem[] = [];
    let pending = '';
    let statsText = '';
    let stderr = '';
    let spawnError: string | null = null;
    let interrupted = false;
    const onLine = (line: string) => {
      const item = parseItemLine(line);
      if (item) return void items.push(item);
      const p = parseProgressLine(line);
      if (p) return options.onProgress?.(p);
      statsText += line + '\n';
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split(/\r|\n/);
      pending = parts.pop()!;
      for (const line of parts) if (line !== '') onLine(line);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => (spawnError = err.message));
    const onAbort = () => {
      interrupted = true;
      child.kill('SIGTERM');
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('close', (code) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (pending !== '') onLine(pending);
      const num = (re: RegExp) => Number((re.exec(statsText)?.[1] ?? '0').replace(/[,.]/g, ''));
      resolve({
        exitCode: code,
        items,
        bytes: num(/Total bytes sent: ([\d,.]+)/) + num(/Total bytes received: ([\d,.]+)/),
        stderr,
        spawnError,
        interrupted,
      });
    });
  });
}

/** The files (not directories) whose data moves or that are deleted. */
export function movedFiles(items: readonly RsyncItem[]): RsyncItem[] {
  return items.filter((i) => !i.directory && (i.data || i.action === 'delete'));
}

// `>f.st......\t2026/12/01-14:13:30\tpath` (a deletion: `*deleting  \t...\tpath`).
export function parseItemLine(line: string): RsyncItem | null {
  const m = /^([<>ch.*][^\t]{8,10})\t([^\t]*)\t(.+)$/.exec(line);
  if (!m) return null;
  const flags = m[1]!.trim();
  const name = decodeRsyncName(m[3]!);
  if (flags === '*deleting') {
    const directory = name.endsWith('/');
    return { action: 'delete', path: name.replace(/\/$/, ''), mtime: null, directory, data: false };
  }
  const directory = flags[1] === 'd';
  const data = flags[0] === '<' || flags[0] === '>' || (flags[0] === 'c' && !directory);
  return { action: 'send', path: name.replace(/\/$/, ''), mtime: m[2] || null, directory, data };
}

// rsync prints non-printable bytes as `\#ooo` (octal).
function decodeRsyncName(name: string): string {
  if (!name.includes('\\#')) return name;
  const bytes: number[] = [];
  for (let i = 0; i < name.length;) {
    const m = /^\\#([0-7]{3})/.exec(name.slice(i, i + 5));
    if (m) {
      bytes.push(parseInt(m[1]!, 8));
      i += 5;
    } else {
      bytes.push(...Buffer.from(name[i]!, 'utf8'));
      i++;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

// `      1,234,567  45%   12.34MB/s    0:00:01 (xfr#3, to-chk=0/2004)`
export function parseProgressLine(line: string): SyncProgress | null {
  const m = /^\s*([\d,.]+)\s+(\d+)%\s+(\S+)\s+(\d+:\d\d:\d\d)/.exec(line);
  if (!m) return null;
  return { bytes: Number(m[1]!.replace(/[,.]/g, '')), percent: Number(m[2]), rate: m[3]!, eta: m[4]! };
}

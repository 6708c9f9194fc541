// A tar (POSIX ustar + pax extended headers) writer for the files a push sends: every receiving
// node has a `tar` that reads it (GNU, busybox, bsdtar), and one archive carries contents, modes,
// symlinks and directories in one stream. Pure: headers are built here, file contents are read by
// the caller. Deterministic (owner 0, no user names, mtime in whole seconds): the same files make
// the same bytes, so an interrupted transfer's chunks are recognised when it is run again.

export type TarEntryType = 'file' | 'symlink' | 'dir';

export interface TarEntry {
  /** Relative path, `/`-separated, no leading `./`. */
  path: string;
  type: TarEntryType;
  /** Permission bits (e.g. 0o644). */
  mode: number;
  /** Content length (files only; 0 otherwise). */
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Symlink target. */
  target?: string;
}

export const BLOCK = 512;

/** The two zero blocks that end an archive. */
export const TAR_END = Buffer.alloc(2 * BLOCK);

/** Zero bytes that pad `size` bytes of content to a whole block. */
export function paddingOf(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** The header block(s) of one entry: a pax header first when a name, target or size does not fit ustar. */
export function tarHeader(entry: TarEntry): Buffer {
  const name = entry.type === 'dir' ? entry.path.replace(/\/*$/, '/') : entry.path;
  const target = entry.target ?? '';
  const pax: [string, string][] = [];
  const split = splitUstarName(name);
  if (!split) pax.push(['path', name]);
  if (Buffer.byteLength(target) > 100 || !isAscii(target)) pax.push(['linkpath', target]);
  const size = entry.type === 'file' ? entry.size : 0;
  if (size > 0o77777777777) pax.push(['size', String(size)]);
  const blocks: Buffer[] = [];
  if (pax.length > 0) {
    const body = Buffer.from(pax.map(([k, v]) => paxRecord(k, v)).join(''), 'utf8');
    blocks.push(
      ustarBlock({
        name: 'PaxHeader',
        prefix: '',
        type: 'x',
        mode: 0o644,
        size: body.length,
        mtime: entry.mtime,
        target: '',
      }),
      body,
      Buffer.alloc(paddingOf(body.length)),
    );
  }
  const [prefix, base] = split ?? ['', asciiTail(name, 100)];
  blocks.push(
    ustarBlock({
      name: base,
      prefix,
      type: entry.type === 'file' ? '0' : entry.type === 'symlink' ? '2' : '5',
      mode: entry.mode & 0o7777,
      size: size > 0o77777777777 ? 0 : size,
      mtime: entry.mtime,
      target: Buffer.byteLength(target) > 100 || !isAscii(target) ? '' : target,
    }),
  );
  return Buffer.concat(blocks);
}

// `len key=value\n` where len counts the whole record, itself included.
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  const restLen = Buffer.byteLength(rest);
  let len = restLen + 1;
  while (String(len).length + restLen !== len) len = String(len).length + restLen;
  return `${len}${rest}`;
}

function isAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

// A printable-ASCII name of up to 255 bytes split into ustar's prefix (155) and name (100) at a
// slash; null when it cannot be (then a pax `path` record carries it).
function splitUstarName(name: string): [string, string] | null {
  if (!isAscii(name)) return null;
  if (name.length <= 100) return ['', name];
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (prefix.length <= 155 && rest.length <= 100 && rest.length > 0) return [prefix, rest];
    if (name.length - i - 1 > 100) break;
  }
  return null;
}

// A placeholder name for the ustar field when the real one travels in a pax record.
function asciiTail(name: string, max: number): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  return ascii.length <= max ? ascii : ascii.slice(-max);
}

interface UstarFields {
  name: string;
  prefix: string;
  type: string;
  mode: number;
  size: number;
  mtime: number;
  target: string;
}

function ustarBlock(f: UstarFields): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(f.name, 0, 100, 'latin1');
  octal(b, 100, 8, f.mode);
  octal(b, 108, 8, 0); // uid
  octal(b, 116, 8, 0); // gid
  octal(b, 124, 12, f.size);
  octal(b, 136, 12, Math.max(0, Math.floor(f.mtime)));
  b.fill(0x20, 148, 156); // checksum field counts as spaces
  b.write(f.type, 156, 1, 'latin1');
  b.write(f.target, 157, 100, 'latin1');
  b.write('ustar\u000000', 257, 8, 'latin1');
  b.write(f.prefix, 345, 155, 'latin1');
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 8, 'latin1');
  return b;
}

function octal(b: Buffer, at: number, width: number, value: number): void {
  b.write(value.toString(8).padStart(width - 1, '0') + '\u0000', at, width, 'latin1');
}

import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { isAbsolute, join, sep } from 'node:path';
import { HsmError } from '../domain/errors.js';

// Reading a file of a sweep directory named by someone else (the dashboard's log and file views):
// the name must stay inside the directory. Refused: absolute names, `..` segments, NUL bytes, and
// any name whose real path (symlinks resolved, every component) is outside the directory's real
// path. The caller decodes URLs first; `..` is refused whatever spelled it. The file is opened once,
// by its real path, and read from that descriptor.

export interface FileSlice {
  /** Bytes [from, to) of the file, as UTF-8 text (a character cut by the end is left for the next read). */
  text: string;
  from: number;
  to: number;
  /** The file's size when it was read. */
  size: number;
}

function refused(name: string, why: string): HsmError {
  return new HsmError('not_found', `no such file in the sweep directory: ${JSON.stringify(name)} (${why})`);
}

// The real path of `name` inside `root`, or an error (not_found: the same answer whether the file
// exists outside or not, so a probe learns nothing).
export function resolveInside(root: string, name: string): string {
  if (name === '' || name.includes('\0') || isAbsolute(name) || name.includes('\\'))
    throw refused(name, 'not a relative path');
  if (name.split('/').some((part) => part === '..')) throw refused(name, '".." is not allowed');
  let realRoot: string;
  let real: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(join(root, name));
  } catch {
    throw refused(name, 'it does not exist');
  }
  if (!real.startsWith(realRoot + sep)) throw refused(name, 'it leads outside the sweep directory');
  return real;
}

// Reads up to `maxBytes` of a confined file from `from` (default: the last `maxBytes`). A 1 GB log
// costs one read of `maxBytes`.
export function readConfinedFile(
  root: string,
  name: string,
  options: { from?: number; maxBytes?: number } = {},
): FileSlice {
  const path = resolveInside(root, name);
  const maxBytes = Math.min(Math.max(options.maxBytes ?? 65536, 1), 4 << 20);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw refused(name, 'it cannot be read');
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw refused(name, 'not a regular file');
    const size = st.size;
    // a file that shrank (rewritten) is read again from its start
    let from =
      options.from === undefined ? Math.max(0, size - maxBytes) : options.from > size ? 0 : options.from;
    from = Math.max(0, from);
    const want = Math.max(0, Math.min(maxBytes, size - from));
    // 3 bytes more: the rest of a character the limit would cut
    const buf = Buffer.alloc(Math.min(want + 3, size - from));
    const n = buf.length === 0 ? 0 : readSync(fd, buf, 0, buf.length, from);
    let start = 0;
    // a tail that starts inside a character: skip its continuation bytes
    if (options.from === undefined) while (start < n && start < 3 && (buf[start]! & 0xc0) === 0x80) start++;
    let end = completeUtf8End(buf, Math.min(n, want));
    if (end < Math.min(n, want)) {
      const need = utf8Length(buf[end]!);
      if (end + need <= n) end += need;
    }
    return { text: buf.toString('utf8', start, end), from: from + start, to: from + end, size };
  } finally {
    closeSync(fd);
  }
}

function utf8Length(lead: number): number {
  return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
}

// The end of the last complete UTF-8 character in buf[0, n).
function completeUtf8End(buf: Buffer, n: number): number {
  for (let i = n - 1, back = 0; i >= 0 && back < 4; i--, back++) {
    const b = buf[i]!;
    if ((b & 0x80) === 0) return n;
    if ((b & 0xc0) === 0xc0) {
      const need = utf8Length(b);
      return back + 1 >= need ? n : i;
    }
  }
  return n;
}

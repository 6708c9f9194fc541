import type { ManifestEntry } from './manifest.js';
import { paddingOf, TAR_END, tarHeader } from './tar-writer.js';

// The bytes a push sends: one tar stream of every entry to write (plus hsm's record of the push),
// described as segments (header bytes, ranges of local files) so that a 150 MB file is read a
// chunk at a time, and cut into chunks of a fixed size. Pure; stream-reader.ts reads a range.
// The same entries give the same stream and the same chunks: after an interruption, the chunks
// the node already holds (named by their sha256) are not sent again.

export type Segment = { kind: 'bytes'; data: Buffer } | { kind: 'file'; path: string; size: number };

export interface PackStream {
  segments: Segment[];
  length: number;
}

/** Files written into the stream besides the project's (hsm's record of the push). */
export interface ExtraFile {
  path: string;
  data: Buffer;
}

export function buildPackStream(entries: readonly ManifestEntry[], extras: readonly ExtraFile[]): PackStream {
  const segments: Segment[] = [];
  for (const e of entries) {
    const size = e.type === 'file' ? e.size : 0;
    segments.push({
      kind: 'bytes',
      data: tarHeader({
        path: e.path,
        type: e.type,
        mode: e.mode,
        size,
        mtime: Math.floor(e.mtime),
        ...(e.target !== undefined ? { target: e.target } : {}),
      }),
    });
    if (size > 0) {
      segments.push({ kind: 'file', path: e.path, size });
      segments.push({ kind: 'bytes', data: Buffer.alloc(paddingOf(size)) });
    }
  }
  for (const x of extras) {
    segments.push({
      kind: 'bytes',
      data: tarHeader({ path: x.path, type: 'file', mode: 0o644, size: x.data.length, mtime: 0 }),
    });
    segments.push(
      { kind: 'bytes', data: x.data },
      { kind: 'bytes', data: Buffer.alloc(paddingOf(x.data.length)) },
    );
  }
  segments.push({ kind: 'bytes', data: TAR_END });
  const length = segments.reduce((n, s) => n + (s.kind === 'bytes' ? s.data.length : s.size), 0);
  return { segments, length };
}

/** [start, end) of each chunk. */
export function chunkRanges(length: number, chunkSize: number): [number, number][] {
  const out: [number, number][] = [];
  for (let at = 0; at < length; at += chunkSize) out.push([at, Math.min(length, at + chunkSize)]);
  return out;
}

import { isUtf8 } from 'node:buffer';

// A node's output is bytes; hsm carries it as a JS string without losing any. Valid UTF-8 decodes
// as usual; every byte that is not part of a valid UTF-8 sequence becomes the lone surrogate
// U+DC80 + (byte - 0x80) (U+DC00 + byte for bytes < 0x80, which never happens: ASCII is valid),
// the `surrogateescape` scheme of Python (PEP 383). `encodeBytes` turns such a string back into
// the exact bytes (files, pipes); JSON.stringify writes the surrogates as `\udcXX` escapes, so
// `json.loads(s).encode('utf-8', 'surrogateescape')` recovers the bytes in Python.

const LONE_ESCAPE = /(?<![\ud800-\udbff])[\udc80-\udcff]/;

// Bytes to text: valid UTF-8 as characters, other bytes as U+DC80..U+DCFF.
export function decodeBytes(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  let out = '';
  let start = 0; // start of the valid run not yet decoded
  let i = 0;
  while (i < bytes.length) {
    const n = validSequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += bytes.toString('utf8', start, i) + String.fromCharCode(0xdc00 + bytes[i]!);
    i++;
    start = i;
  }
  return out + bytes.toString('utf8', start, i);
}

// Text from decodeBytes (or any string) back to bytes.
export function encodeBytes(text: string): Buffer {
  if (!LONE_ESCAPE.test(text)) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff && !(i > 0 && isHigh(text.charCodeAt(i - 1)))) {
      parts.push(Buffer.from(text.slice(start, i), 'utf8'), Buffer.of(c - 0xdc00));
      start = i + 1;
    }
  }
  parts.push(Buffer.from(text.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

// True when the text holds bytes that were not valid UTF-8.
export function hasInvalidBytes(text: string): boolean {
  return LONE_ESCAPE.test(text);
}

// decodeBytes for a stream of chunks: a sequence cut between two chunks waits for the next one.
export class ByteTextDecoder {
  private pending: Buffer | null = null;

  write(chunk: Buffer): string {
    const bytes = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    const keep = incompleteTail(bytes);
    this.pending = keep > 0 ? Buffer.from(bytes.subarray(bytes.length - keep)) : null;
    return decodeBytes(keep > 0 ? bytes.subarray(0, bytes.length - keep) : bytes);
  }

  end(): string {
    const rest = this.pending;
    this.pending = null;
    return rest ? decodeBytes(rest) : '';
  }
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

// Length of the valid UTF-8 sequence at `i` (1-4), or 0 when the byte there starts none.
function validSequenceLength(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0; // no encoded surrogates
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// How many bytes at the end could still become a valid sequence with more input (0-3).
function incompleteTail(b: Buffer): number {
  for (let k = 1; k <= 3 && k <= b.length; k++) {
    const c = b[b.length - k]!;
    if (c < 0x80) return 0;
    if (c >= 0xc0) {
      const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
      return need > k ? k : 0;
    }
  }
  return 0;
}

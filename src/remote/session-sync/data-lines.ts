import { gzipSync } from 'node:zlib';

// How a chunk of bytes is typed into a node's terminal, and how the node's answers are read back.
// Pure (compression is computation, no I/O).
//
// Typed: the chunk, gzip-compressed when that makes it smaller, in base64, as lines of `#` + up to
// LINE_CHARS characters. Base64 has no character a terminal's line discipline acts on (no control
// characters, ^S/^Q, ^C, ^D, erase or kill characters); lines stay far below the 4095-byte limit of
// a canonical-mode tty; and should the command reading them die, the rest reaches the shell as
// `#` comments, never as commands. The node keeps the chunk only when its sha256 matches.
//
// Read back: the helper prints `HSM-SECTION name gz|raw` followed by base64 lines, and `HSM-...`
// status lines; base64 has no `-` or space, so the two never mix.

export const LINE_CHARS = 1000;

export interface EncodedChunk {
  encoding: 'gz' | 'raw';
  /** The text typed, `#...\n` lines. */
  text: string;
}

export function encodeChunk(raw: Buffer, allowGzip: boolean): EncodedChunk {
  let encoding: 'gz' | 'raw' = 'raw';
  let body = raw;
  if (allowGzip && raw.length > 64) {
    const gz = gzipSync(raw, { level: 1 });
    if (gz.length < raw.length * 0.95) {
      encoding = 'gz';
      body = gz;
    }
  }
  const b64 = body.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += LINE_CHARS) lines.push('#' + b64.slice(i, i + LINE_CHARS) + '\n');
  return { encoding, text: lines.join('') };
}

/** Cuts typed text into blocks of `size` bytes (the last shorter): the node acknowledges each. */
export function splitBlocks(text: string, size: number): string[] {
  const blocks: string[] = [];
  for (let at = 0; at < text.length; at += size) blocks.push(text.slice(at, at + size));
  return blocks;
}

/** What the helper printed: status lines (`HSM-X rest`) and decoded sections. */
export interface HelperOutput {
  lines: { key: string; rest: string }[];
  sections: Map<string, Buffer>;
}

export function parseHelperOutput(stdout: string, gunzip: (b: Buffer) => Buffer): HelperOutput {
  const lines: HelperOutput['lines'] = [];
  const sections = new Map<string, Buffer>();
  let current: { name: string; enc: string; b64: string[] } | null = null;
  const close = () => {
    if (!current) return;
    const data = Buffer.from(current.b64.join(''), 'base64');
    sections.set(current.name, current.enc === 'gz' && data.length > 0 ? gunzip(data) : data);
    current = null;
  };
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    const m = /^HSM-([A-Z]+)(?: (.*))?$/.exec(line);
    if (m) {
      close();
      if (m[1] === 'SECTION') {
        const [name, enc] = (m[2] ?? '').split(' ');
        current = { name: name ?? '', enc: enc ?? 'raw', b64: [] };
      } else lines.push({ key: m[1]!, rest: m[2] ?? '' });
      continue;
    }
    if (current && /^[A-Za-z0-9+/=]*$/.test(line)) current.b64.push(line);
  }
  close();
  return { lines, sections };
}

/** The value of the first `HSM-<key>` line, or undefined. */
export function lineOf(out: HelperOutput, key: string): string | undefined {
  return out.lines.find((l) => l.key === key)?.rest;
}

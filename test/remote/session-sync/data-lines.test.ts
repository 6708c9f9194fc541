import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import {
  encodeChunk,
  LINE_CHARS,
  parseHelperOutput,
  splitBlocks,
} from '../../../src/remote/session-sync/data-lines.js';

function decode(text: string, encoding: 'gz' | 'raw'): Buffer {
  const data = Buffer.from(text.replace(/#/g, ''), 'base64');
  return encoding === 'gz' ? gunzipSync(data) : data;
}

describe('data lines typed to a terminal', () => {
  test('only `#`, base64 and line ends are typed, lines stay far below the 4095-byte tty limit', () => {
    for (const raw of [
      randomBytes(100_000),
      Buffer.alloc(300_000, 0x03),
      Buffer.from('\x03\x04\x11\x13\x7f\r\n'),
    ]) {
      const { encoding, text } = encodeChunk(raw, true);
      expect(text.endsWith('\n')).toBe(true);
      const lines = text.slice(0, -1).split('\n');
      expect(lines.filter((l) => !/^#[A-Za-z0-9+/=]+$/.test(l) || l.length > LINE_CHARS + 1)).toEqual([]);
      expect(decode(text, encoding).equals(raw)).toBe(true);
    }
  });

  test('compressible data is gzipped, random data is not', () => {
    expect(encodeChunk(Buffer.alloc(100_000, 'a'), true).encoding).toBe('gz');
    expect(encodeChunk(randomBytes(100_000), true).encoding).toBe('raw');
    expect(encodeChunk(Buffer.alloc(100_000, 'a'), false).encoding).toBe('raw');
  });

  test('blocks are exactly the size the node reads between acknowledgements, and join back to the text', () => {
    const { text } = encodeChunk(randomBytes(500_000), false);
    const blocks = splitBlocks(text, 128 * 1024);
    expect(blocks.join('')).toBe(text);
    expect(blocks.length).toBe(Math.ceil(text.length / (128 * 1024)));
    expect(blocks.slice(0, -1).every((b) => b.length === 128 * 1024)).toBe(true);
  });

  test('helper output: status lines and sections, whatever else the session printed', () => {
    const out = [
      'junk before',
      'HSM-MISSING gzip',
      'HSM-ROOT ok raw',
      'HSM-SECTION listing raw',
      Buffer.from('abc\0def\0').toString('base64'),
      'HSM-SECTION empty raw',
      'HSM-OK 1234',
    ].join('\r\n');
    const parsed = parseHelperOutput(out, gunzipSync);
    expect(parsed.lines).toEqual([
      { key: 'MISSING', rest: 'gzip' },
      { key: 'ROOT', rest: 'ok raw' },
      { key: 'OK', rest: '1234' },
    ]);
    expect(parsed.sections.get('listing')).toEqual(Buffer.from('abc\0def\0'));
    expect(parsed.sections.get('empty')).toEqual(Buffer.alloc(0));
  });
});

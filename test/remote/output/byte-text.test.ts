import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { ByteTextDecoder, decodeBytes, encodeBytes } from '../../../src/remote/output/byte-text.js';
import { LinePrefixer } from '../../../src/remote/output/line-prefixer.js';
import { escapeControls } from '../../../src/remote/output/terminal-safe.js';
import { renderOutputGroups, groupIdenticalOutputs } from '../../../src/remote/output/group-outputs.js';

describe('node output as bytes', () => {
  test('valid UTF-8 decodes as usual; invalid bytes become U+DC80-U+DCFF and come back exactly', () => {
    expect(decodeBytes(Buffer.from('café 日本 😀'))).toBe('café 日本 😀');
    const bad = Buffer.from([
      0x61, 0xff, 0xc3, 0x28, 0xe2, 0x82, 0x62, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, 0x80,
    ]);
    const text = decodeBytes(bad);
    expect(text).toBe('a\udcff\udcc3(\udce2\udc82b\udced\udca0\udc80😀');
    expect(encodeBytes(text)).toEqual(bad);
    expect(JSON.stringify(text)).toBe('"a\\udcff\\udcc3(\\udce2\\udc82b\\udced\\udca0\\udc80😀"');
    for (let i = 0; i < 50; i++) {
      const bytes = randomBytes(200);
      expect(encodeBytes(decodeBytes(bytes))).toEqual(bytes);
    }
  });

  test('the streaming decoder gives the same text wherever the chunks are cut', () => {
    const bytes = Buffer.concat([Buffer.from('é日😀'), Buffer.from([0xff, 0xe6]), Buffer.from('本x')]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new ByteTextDecoder();
      const text = d.write(bytes.subarray(0, cut)) + d.write(bytes.subarray(cut)) + d.end();
      expect(text).toBe(decodeBytes(bytes));
    }
  });

  test('on a terminal, control characters and invalid bytes are shown escaped; tab, newline and text pass', () => {
    expect(escapeControls('a\tb\nc\x1b[2J\r\x07\x7f\u009b日\udcff')).toBe('a\tb\nc^[[2J^M^G^?M-^[日\\xff');
  });

  test('a 40 MB line in 4 KB chunks is prefixed in linear time', () => {
    let written = 0;
    const p = new LinePrefixer((t) => (written += t.length));
    const chunk = 'x'.repeat(4096);
    for (let i = 0; i < 10_000; i++) p.push('n1', chunk);
    p.push('n1', '\n');
    expect(written).toBe('n1: '.length + 40_960_000 + 1);
  }, 20_000);

  test('-b: outputs differing only by the last newline do not look alike', () => {
    const r = (node: string, stdout: string) => ({
      node,
      stdout,
      stderr: '',
      exitCode: 0,
      timedOut: false,
      error: null,
      durationMs: 1,
    });
    const text = renderOutputGroups(groupIdenticalOutputs([r('n1', 'same\n'), r('n2', 'same')]));
    expect(text).toBe(
      '---------------\nn1 (1)\n---------------\nsame\n' +
        '-------------------------\nn2 (1, no newline at end)\n-------------------------\nsame\n',
    );
  });
});

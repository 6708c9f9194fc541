import { spawnSync } from 'node:child_process';
import { OutputFramer } from '../../../src/remote/shell/output-framer.js';
import { describe, expect, test } from 'vitest';
import {
  buildCommandLines,
  buildRunLine,
  CHUNK_CHARS,
  DECODE_LINE,
  findEndMarker,
  newMarkerToken,
} from '../../../src/remote/shell/command-framing.js';
import { normalizeNewlines, stripTerminalEscapes } from '../../../src/remote/shell/terminal-text.js';

describe('command framing', () => {
  test('encoded command lines are short, printable, and decode byte for byte in sh and bash', () => {
    const command = `echo 'quote' "dq" $HOME \`tick\` !x\t\ttab\nnext line; é 日本 % %s \\ ${'y'.repeat(700)}`;
    const lines = buildCommandLines(command);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) {
      expect(line.length).toBeLessThanOrEqual(CHUNK_CHARS + 30);
      expect(line).toMatch(/^[\x20-\x7e]+$/);
    }
    const script = `${lines.join('\n')}\n${DECODE_LINE}\ncommand printf '%s' "$__hsm_x"`;
    for (const shell of ['sh', 'bash']) {
      const out = spawnSync(shell, ['-c', script], { encoding: 'utf8' });
      expect(out.stdout).toBe(command);
    }
  });

  test('the run line frames output and exit code; an end marker is only found with its token', () => {
    const token = newMarkerToken();
    expect(token).toMatch(/^[0-9a-f]{16}$/);
    expect(newMarkerToken()).not.toBe(token);
    const end = newMarkerToken();
    const script = `${buildCommandLines('printf x; exit 5').join('\n')}\n${buildRunLine(token, end)}`;
    const out = spawnSync('sh', ['-c', script], { encoding: 'utf8' }).stdout;
    expect(out).toBe(`__HSM_B_${token}__\nx__HSM_E_${end}_5__\n`);
    expect(findEndMarker(out, end)).toMatchObject({ exitCode: 5 });
    expect(findEndMarker(out, token)).toBeNull();
    expect(findEndMarker(out, newMarkerToken())).toBeNull();
    expect(findEndMarker(`__HSM_E_${token}_1`, token)).toBeNull();
  });

  test('the output framer releases lines as they come, wherever chunks are cut, and stops at its end marker', () => {
    const raw = `noise __HSM_B_${'b'.repeat(16)}__\r\nline one\r\nlast\r\n__HSM_E_${'e'.repeat(16)}_3__\nafter`;
    for (let size = 1; size <= raw.length; size += 3) {
      const released: string[] = [];
      const framer = new OutputFramer('b'.repeat(16), 'e'.repeat(16), (t) => released.push(t));
      for (let i = 0; i < raw.length; i += size) framer.push(raw.slice(i, i + size));
      expect(released.join('')).toBe('line one\nlast\n');
      expect(framer.ended).toEqual({ exitCode: 3, rest: '\nafter' });
    }
  });

  test('terminal text: escapes stripped, CR LF and CR CR LF become LF, lone CR kept', () => {
    const raw =
      '\x1b[?2004h\x1b]0;title\x07\x1b[1;31mred\x1b[0m\x1b[200~x\x1b[201~\r\r\nb\r\nc\rd\x1b(B\x1b=';
    expect(normalizeNewlines(stripTerminalEscapes(raw))).toBe('redx\nb\nc\rd');
  });
});

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quoteShellArgv, quoteShellWord } from '../../src/domain/shell-quote.js';

// The one quoting function, checked against real shells with hostile values: what the shell hands the
// program must be exactly the value, and nothing may run.
const HOSTILE = [
  '',
  'plain',
  'two words',
  "it's",
  '"dq"',
  '$(touch /tmp/hsm-q)',
  '`id`',
  '; rm -rf /',
  'a\nb',
  'tab\there',
  '日本 ✓',
  '\\',
  "'",
  "''",
  '$HOME',
  '*',
  '~',
  '-n',
  '!event',
];

describe('quoteShellWord', () => {
  for (const shell of ['sh', 'bash']) {
    it(`round-trips hostile values through ${shell}`, () => {
      const script = `printf '%s\\0' ${quoteShellArgv(HOSTILE)}`;
      const r = spawnSync(shell, ['-c', script], { encoding: 'utf8' });
      expect(r.stdout.split('\0').slice(0, -1)).toEqual(HOSTILE);
    });
  }
  it('leaves safe words bare and quotes everything else', () => {
    expect(quoteShellWord('abc-1.2/x=y')).toBe('abc-1.2/x=y');
    expect(quoteShellWord('')).toBe("''");
    expect(quoteShellWord("a'b")).toBe(`'a'\\''b'`);
  });
});

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, makeProject } from '../helpers/cli.js';

// Values with spaces, quotes, $(...), ;, backticks, newlines and unicode reach the program byte-for-byte
// as argv words, through the sweep file, command.sh and the runner, and nothing is executed.

const HOSTILE = [
  'two words',
  `it's "quoted"`,
  '$(touch /tmp/hsm-pwned-1)',
  '; touch /tmp/hsm-pwned-2',
  '`touch /tmp/hsm-pwned-3`',
  'line1\nline2',
  'ünïcødé ✓ 日本',
  "'; rm -rf / #",
  '\\backslash\\',
  '--flag-looking',
];

beforeAll(() => {
  ensureBuilt();
  for (let i = 1; i <= 3; i++) rmSync(`/tmp/hsm-pwned-${i}`, { force: true });
});

const dumpArgv = `require('fs').writeFileSync(process.env.HSM_TASK_DIR + '/argv.json', JSON.stringify(process.argv.slice(1)))`;

describe('hostile values', () => {
  it('reach the program byte-for-byte with args: flags and in {placeholders}', () => {
    const yaml = `command: ["node", "-e", ${JSON.stringify(dumpArgv)}, "--", "pre-{v}-post"]
args: flags
sweep:
  grid:
    v: ${JSON.stringify(HOSTILE)}
`;
    const dir = makeProject(yaml);
    const r = hsm(['run', '--jobs', '2', '--sweep-id', 'hostile', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const sweepDir = join(dir, 'sweeps', 'outputs', 'hostile');
    HOSTILE.forEach((value, i) => {
      const argv = JSON.parse(
        readFileSync(join(sweepDir, 'tasks', `task_${String(i + 1).padStart(3, '0')}`, 'argv.json'), 'utf8'),
      );
      expect(argv).toEqual([`pre-${value}-post`, '--v', value]);
    });
    for (let i = 1; i <= 3; i++) expect(existsSync(`/tmp/hsm-pwned-${i}`)).toBe(false);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn as spawnPty } from 'node-pty';
import { beforeAll, describe, expect, it } from 'vitest';
import { HSM_BIN, ensureBuilt, hsm, makeProject } from '../helpers/cli.js';

// On a terminal `hsm run` redraws one progress bar line; piped, it prints plain lines; NO_COLOR (or a
// pipe) means no colour codes.

const SWEEP = `command: ["sh", "-c", "sleep 0.1; test {x} != 4"]\nargs: none\nsweep:\n  grid:\n    x: [1, 2, 3, 4]\n`;

beforeAll(() => ensureBuilt());

function runInTerminal(
  dir: string,
  env: Record<string, string>,
  argv: string[] = [process.execPath, HSM_BIN, 'run', '--jobs', '2'],
): Promise<{ output: string; code: number }> {
  return new Promise((resolve) => {
    const term = spawnPty(argv[0]!, argv.slice(1), {
      cwd: dir,
      cols: 120,
      rows: 30,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color', ...env },
    });
    let output = '';
    term.onData((d) => (output += d));
    term.onExit(({ exitCode }) => resolve({ output, code: exitCode }));
  });
}

describe('run progress', () => {
  it('draws a redrawn bar with colours on a terminal', async () => {
    const { output, code } = await runInTerminal(makeProject(SWEEP), {});
    expect(code).toBe(1); // one task failed
    expect(output).toMatch(/\r\x1b\[K\[[#-]{30}\] \d\/4 done/);
    expect(output).toContain('4/4 done');
    expect(output).toMatch(/\x1b\[31m/); // the failure in red
    expect(output).toMatch(/task_004 .*failed.*exit code 1/);
  });

  it('respects NO_COLOR on a terminal', async () => {
    const { output } = await runInTerminal(makeProject(SWEEP), { NO_COLOR: '1' });
    expect(output).toContain('4/4 done');
    expect(output).not.toMatch(/\x1b\[3\dm/);
  });

  it('prints plain lines without escape codes when piped', () => {
    const r = hsm(['run', '--jobs', '2'], makeProject(SWEEP), { NO_COLOR: '' });
    expect(r.stderr).toMatch(/^progress: 4\/4 done, 0 running, 1 failed$/m);
    expect(r.stderr).toMatch(/^task_004 failed \(exit code 1\)$/m);
    expect(r.stderr).not.toMatch(/\x1b/);
  });

  it('decides colour on the stream it writes to: none in `2>file` when only stdout is a terminal', async () => {
    const dir = makeProject(SWEEP);
    const hsmCmd = `'${process.execPath}' '${HSM_BIN}' run --jobs 2`;
    const toFile = await runInTerminal(dir, {}, ['sh', '-c', `${hsmCmd} 2>stderr.log`]);
    expect(toFile.code).toBe(1);
    const logged = readFileSync(join(dir, 'stderr.log'), 'utf8');
    expect(logged).toMatch(/^task_004 failed \(exit code 1\)$/m);
    expect(logged).not.toMatch(/\x1b/);
    // and the other way round: stderr on the terminal is coloured while stdout goes to a file
    const toTerminal = await runInTerminal(makeProject(SWEEP), {}, ['sh', '-c', `${hsmCmd} >stdout.log`]);
    expect(toTerminal.output).toMatch(/\x1b\[31mfailed/);
  });
});

import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HSM_BIN, buildCli } from '../helpers/cli.js';

// `npm run build` while hsm processes start (test files run two at a time; `npm pack` builds too):
// esbuild rewrites its files in place, so an hsm loading dist/cli.js at that moment could read a truncated
// bundle and exit 1 before doing anything. The build writes each file whole (a temp file renamed
// into place) and leaves a file whose content did not change alone.
// (The suite itself builds once, before any file runs: test/helpers/global-build.ts.)

const DIST = resolve(__dirname, '../../dist');

describe('npm run build', () => {
  it('puts a new dist/cli.js in place of the old one, which a reader that opened it keeps whole', () => {
    buildCli();
    const bundle = join(DIST, 'cli.js');
    const before = readFileSync(bundle);
    const fd = openSync(bundle, 'r');
    const opened = fstatSync(fd);
    try {
      buildCli();
      // a new file took the name, or the old one was left alone (its content had not changed); a
      // rewrite in place keeps the inode and changes its time, and is seen half-done meanwhile
      const after = statSync(bundle);
      const replaced = after.ino !== opened.ino;
      const untouched = after.ino === opened.ino && after.mtimeMs === opened.mtimeMs;
      expect(replaced || untouched, 'dist/cli.js was rewritten in place').toBe(true);
      const buf = Buffer.alloc(fstatSync(fd).size);
      readSync(fd, buf, 0, buf.length, 0);
      expect(buf.equals(before)).toBe(true);
    } finally {
      closeSync(fd);
    }
    expect(readdirSync(DIST).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const r = spawnSync(process.execPath, [HSM_BIN, '--version'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });
});

import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ShellTransport } from '../../../src/remote/shell/index.js';
import { pushThroughSession, type SessionShell } from '../../../src/remote/session-sync/index.js';
import { infra, NODE, onNode, openNode24 } from './node24.js';

// What a push remembers between pushes (the node's stat listing and record, the local rsync
// listing) never hides a change: an edit on the node, a new file, a changed .gitignore.
// node24 through a pty-only session.

describe.runIf(infra !== null)('sync through a session: what is remembered between pushes (node24)', () => {
  let transport: ShellTransport;
  let shell: SessionShell;
  /** Bytes each `state` command printed (the node's side read). */
  const stateOut: number[] = [];
  const base = `hsm-ssync-caches/${process.pid}-${randomBytes(3).toString('hex')}`;
  const project = mkdtempSync(join(tmpdir(), 'hsm-ssync-caches-'));
  beforeAll(() => {
    const opened = openNode24();
    transport = opened.transport;
    const plain = opened.shell;
    shell = {
      node: NODE,
      run: async (command, options) => {
        const r = await plain.run(command, options);
        if (/\.sh' state |\.sh state /.test(command)) stateOut.push(r.stdout.length);
        return r;
      },
    };
    for (let d = 0; d < 5; d++) {
      mkdirSync(join(project, `pkg${d}`));
      for (let f = 0; f < 40; f++)
        writeFileSync(join(project, `pkg${d}`, `m${f}.py`), randomBytes(300).toString('hex'));
    }
  });
  afterAll(async () => {
    await transport?.close();
    onNode(`rm -rf ${base}`);
    rmSync(project, { recursive: true, force: true });
  });
  const push = () => pushThroughSession(shell, { localRoot: project, remoteRoot: `${base}/p` });

  test('an untouched copy is not read again; an edit on the node, a new file and a changed .gitignore are still seen', async () => {
    expect((await push()).items.length).toBe(205);
    expect((await push()).items).toEqual([]);
    expect((await push()).items).toEqual([]);
    // the push kept what the node recorded: the node answers that its copy is unchanged
    expect(stateOut.slice(1)).toHaveLength(2);
    for (const n of stateOut.slice(1)) expect(n).toBeLessThan(200);

    // the same size, other content, on the node: sent again
    onNode(`cd ${base}/p && printf '%600s' x >pkg2/m7.py`);
    expect((await push()).items.map((i) => i.path)).toEqual(['pkg2/m7.py']);
    expect(stateOut.at(-1)!).toBeGreaterThan(2000);

    // a new file, and a .gitignore that leaves x.tmp out
    writeFileSync(join(project, '.gitignore'), '*.tmp\n');
    writeFileSync(join(project, 'pkg1', 'x.tmp'), 'scratch');
    writeFileSync(join(project, 'pkg1', 'new.py'), 'new');
    expect((await push()).items.map((i) => i.path)).toEqual(['.gitignore', 'pkg1/new.py']);
    // the .gitignore edited in place (no directory changes): x.tmp is no longer left out
    writeFileSync(join(project, '.gitignore'), '*.nothing\n');
    expect((await push()).items.map((i) => i.path)).toEqual(['.gitignore', 'pkg1/x.tmp']);
    expect(onNode(`cat ${base}/p/pkg1/x.tmp`)).toBe('scratch');
    expect((await push()).items).toEqual([]);
  }, 60_000);
});

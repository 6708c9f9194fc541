import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ShellTransport } from '../../../src/remote/shell/index.js';
import { pushThroughSession, type SessionShell } from '../../../src/remote/session-sync/index.js';
import { parseListing } from '../../../src/remote/session-sync/manifest.js';
import { NodeStateCache } from '../../../src/remote/session-sync/node-state-cache.js';
import { infra, NODE, onNode, openNode24 } from './node24.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// What a push remembers between pushes (the node's stat listing and record, the local rsync
// listing) never hides a change: an edit on the node, a new file, a changed .gitignore.
// node24 through a pty-only session.

describe.runIf(infra !== null)('sync through a session: what is remembered between pushes (node24)', () => {
  let transport: ShellTransport;
  let shell: SessionShell;
  /** Bytes each `state` command printed (the node's side read). */
  const stateOut: number[] = [];
  /**
   * Each helper command through the session: its name, the status keys it answered, and whether
   * its data cost no round trip of its own: typed right behind it, or (a push begun before the
   * local scan, whose begin marker came while the scan ran) read by the decoder the node started
   * with the command (`#pushed`).
   */
  const commands: { name: string; keys: string[]; early: boolean }[] = [];
  const base = `hsm-ssync-caches/${process.pid}-${randomBytes(3).toString('hex')}`;
  const project = makeTempDir('hsm-ssync-caches-');
  beforeAll(() => {
    const opened = openNode24();
    transport = opened.transport;
    const plain = opened.shell;
    shell = {
      node: NODE,
      run: async (command, options) => {
        const r = await plain.run(command, options);
        // the node's side read: `state`, or a push begun before the scan that asked for it
        if (/\.sh'? (state|tty) /.test(command) && r.stdout.includes('HSM-ROOT'))
          stateOut.push(r.stdout.length);
        const name = /ssync-[0-9a-f]+\.sh'? '?([a-z0-9]+)/.exec(command)?.[1] ?? '?';
        commands.push({
          name,
          keys: [...r.stdout.matchAll(/^HSM-([A-Z]+)/gm)].map((m) => m[1]!),
          early: options.input?.later
            ? (await options.input.later).blocks.join('').includes('\n#pushed ')
            : options.input?.early === true,
        });
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

  test('an incremental push is one command through the session; a copy changed on the node since is seen, and the push planned again', async () => {
    const sums = `find . -path ./.hsm -prune -o -type f -exec sha256sum {} + | sort`;
    const here = () => execFileSync('sh', ['-c', sums], { cwd: project, encoding: 'utf8' });
    await push();
    writeFileSync(join(project, 'pkg0', 'm1.py'), 'edited here');
    commands.length = 0;
    expect((await push()).items.map((i) => i.path)).toEqual(['pkg0/m1.py']);
    // the data and the apply in one command and one round trip (the data typed right behind the
    // command), planned against what the last push left
    expect(commands.map((c) => c.name)).toEqual(['tty']);
    expect(commands[0]!.keys).toContain('APPLIED');
    expect(commands[0]!.early).toBe(true);
    expect(onNode(`cd ${base}/p && ${sums}`)).toBe(here());

    // on the node: a same-size edit of another file and a file of its own; here: one edit
    onNode(`cd ${base}/p && printf '%600s' y >pkg3/m3.py && echo out >pkg3/made-there.txt`);
    writeFileSync(join(project, 'pkg0', 'm2.py'), 'edited here too');
    commands.length = 0;
    const r = await push();
    // the node refused the plan made on the old copy (nothing written) and answered its state
    expect(commands[0]!.name).toBe('tty');
    expect(commands[0]!.keys).toContain('STALE');
    expect(commands[0]!.keys).not.toContain('APPLIED');
    expect(commands.map((c) => c.name)).not.toContain('state');
    expect(r.items.map((i) => i.path)).toEqual(['pkg0/m2.py', 'pkg3/m3.py']);
    expect(commands.at(-1)!.keys).toContain('APPLIED');
    // the copy is the project again, and the node's own file is kept
    expect(onNode(`cd ${base}/p && cat pkg3/made-there.txt && rm pkg3/made-there.txt && ${sums}`)).toBe(
      'out\n' + here(),
    );
  }, 60_000);

  test('between two one-round-trip pushes, a file deleted on the node and a same-size edit with its mtime put back are seen', async () => {
    const sums = `find . -path ./.hsm -prune -o -type f -exec sha256sum {} + | sort`;
    const here = () => execFileSync('sh', ['-c', sums], { cwd: project, encoding: 'utf8' });
    // (the last test changed the copy on the node: this push finds out, and ends a push there)
    writeFileSync(join(project, 'pkg1', 'm1.py'), 'zero');
    await push();
    writeFileSync(join(project, 'pkg1', 'm1.py'), 'one');
    commands.length = 0;
    expect((await push()).items.map((i) => i.path)).toEqual(['pkg1/m1.py']);
    expect(commands.map((c) => [c.name, c.early])).toEqual([['tty', true]]);

    // deleted on the node: the push planned on what the last push left is refused, and the
    // file is sent again
    onNode(`rm ${base}/p/pkg4/m4.py`);
    writeFileSync(join(project, 'pkg1', 'm1.py'), 'two');
    commands.length = 0;
    expect((await push()).items.map((i) => i.path)).toEqual(['pkg1/m1.py', 'pkg4/m4.py']);
    expect(commands[0]!.keys).toContain('STALE');
    expect(onNode(`cd ${base}/p && ${sums}`)).toBe(here());

    // the same size, other content, mtime put back (touch -d): its ctime still changed
    onNode(
      `cd ${base}/p && t=$(stat -c %y pkg2/m9.py) && printf '%600s' z >pkg2/m9.py && touch -d "$t" pkg2/m9.py`,
    );
    writeFileSync(join(project, 'pkg1', 'm1.py'), 'six');
    commands.length = 0;
    expect((await push()).items.map((i) => i.path)).toEqual(['pkg1/m1.py', 'pkg2/m9.py']);
    expect(commands[0]!.keys).toContain('STALE');
    expect(onNode(`cd ${base}/p && ${sums}`)).toBe(here());

    // and with nothing changed there, the next push is planned on what the last one left: a
    // mode, a new symlink, a directory gone, a file that became a directory
    writeFileSync(join(project, 'pkg1', 'm1.py'), 'ten');
    chmodSync(join(project, 'pkg0', 'm5.py'), 0o755);
    symlinkSync('../pkg0/m5.py', join(project, 'pkg1', 'link'));
    rmSync(join(project, 'pkg3'), { recursive: true });
    rmSync(join(project, 'pkg2', 'm8.py'));
    mkdirSync(join(project, 'pkg2', 'm8.py'));
    writeFileSync(join(project, 'pkg2', 'm8.py', 'inner.py'), 'in');
    commands.length = 0;
    expect((await push()).items.length).toBe(46);
    // (one command; its data, over 3 KiB typed, after the command's begin marker)
    expect(commands.map((c) => [c.name, c.keys.includes('APPLIED')])).toEqual([['tty', true]]);
    expect(onNode(`cd ${base}/p && ${sums}`)).toBe(here());
    // what this machine now holds as the copy there (derived from the plan) is the copy
    const model = parseListing(NodeStateCache.of(project, NODE, `${base}/p`).get()!.model);
    const listing = parseListing(
      Buffer.from(onNode(`cd ${base}/p && find . -path ./.hsm -prune -o -printf '%y %m %s %T@ %P\\0%l\\0'`)),
    );
    const shape = (m: ReturnType<typeof parseListing>) =>
      [...m.values()]
        .map(
          (e) => `${e.path} ${e.type} ${e.mode.toString(8)} ${e.type === 'file' ? e.size : ''} ${e.target}`,
        )
        .sort();
    expect(shape(model)).toEqual(shape(listing));
    commands.length = 0;
    expect((await push()).items).toEqual([]);
    expect(commands.map((c) => c.keys.includes('SAME'))).toEqual([true]);
  }, 60_000);
});

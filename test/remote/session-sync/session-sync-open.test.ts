import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ShellTransport } from '../../../src/remote/shell/index.js';
import { pushThroughSession, type SessionShell } from '../../../src/remote/session-sync/index.js';
import { infra, NODE, onNode, openNode24 } from './node24.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// An incremental push's command goes to the node as the push begins (the helper's `tty`), before
// this machine knows what it sends; one line typed later says what to do. What cannot go on that
// line (a name with a control character, a long list of removals) ends that command and runs a
// push of its own; a push that fails here while the command waits ends it too, and the session
// stays usable. node24 through a pty-only session.

describe.runIf(infra !== null)('sync through a session: a push begun before the local scan (node24)', () => {
  let transport: ShellTransport;
  let shell: SessionShell;
  /** Each helper command through the session: its name and the status keys it answered. */
  const commands: { name: string; keys: string[] }[] = [];
  const base = `hsm-ssync-open/${process.pid}-${randomBytes(3).toString('hex')}`;
  const project = makeTempDir('hsm-ssync-open-');
  const sums = `find . -path ./.hsm -prune -o -type f -exec sha256sum {} + | sort`;
  const here = () => execFileSync('sh', ['-c', sums], { cwd: project, encoding: 'utf8' });
  beforeAll(() => {
    const opened = openNode24();
    transport = opened.transport;
    shell = {
      node: NODE,
      run: async (command, options) => {
        const later = options.input?.later;
        if (later && damageNext) {
          damageNext = false;
          const damaged = later.then((m) => {
            const b = m.blocks[0]!;
            if (!b.includes('\n#pushed ')) return m;
            const at = 40; // in the data's first line (`#` + base64), past gzip's header
            return { ...m, blocks: [b.slice(0, at) + (b[at] === 'A' ? 'B' : 'A') + b.slice(at + 1)] };
          });
          options = { ...options, input: { ...options.input!, later: damaged } };
        }
        const r = await opened.shell.run(command, options);
        const name = /ssync-[0-9a-f]+\.sh'? '?([a-z0-9]+)/.exec(command)?.[1] ?? '?';
        commands.push({ name, keys: [...r.stdout.matchAll(/^HSM-([A-Z]+)/gm)].map((m) => m[1]!) });
        return r;
      },
    };
    for (let d = 0; d < 3; d++) {
      mkdirSync(join(project, `pkg${d}`));
      for (let f = 0; f < 30; f++)
        writeFileSync(join(project, `pkg${d}`, `m${f}.py`), randomBytes(200).toString('hex'));
    }
  });
  afterAll(async () => {
    await transport?.close();
    onNode(`rm -rf ${base}`);
    rmSync(project, { recursive: true, force: true });
  });
  /** Damages the next push's data read by the decoder the open command started (a base64 character). */
  let damageNext = false;
  const push = (signal?: AbortSignal) =>
    pushThroughSession(shell, { localRoot: project, remoteRoot: `${base}/p`, ...(signal ? { signal } : {}) });

  test('a push whose line cannot be typed (a tab in a name; 300 removals) ends the open command and runs its own', async () => {
    await push();
    writeFileSync(join(project, 'pkg0', 'm1.py'), 'edited');
    commands.length = 0;
    expect((await push()).items.map((i) => i.path)).toEqual(['pkg0/m1.py']);
    expect(commands.map((c) => c.name)).toEqual(['tty']);
    expect(commands[0]!.keys).toContain('APPLIED');

    // names with spaces, quotes, `$`, a glob and unicode go on the typed line (eval'd there)
    const odd = `ünï cödé/it's "q" $HOME *.py`;
    mkdirSync(join(project, 'ünï cödé'));
    writeFileSync(join(project, odd), 'odd');
    await push();
    expect(onNode(`cd ${base}/p && cat 'ünï cödé'/it*`)).toBe('odd');
    chmodSync(join(project, odd), 0o700);
    commands.length = 0;
    expect((await push()).items.map((i) => [i.path, i.action])).toEqual([[odd, 'chmod']]);
    rmSync(join(project, odd));
    expect((await push()).items.map((i) => [i.path, i.action])).toEqual([[odd, 'delete']]);
    expect(commands.map((c) => [c.name, c.keys.includes('APPLIED')])).toEqual([
      ['tty', true],
      ['tty', true],
    ]);
    expect(onNode(`cd ${base}/p && ls -A 'ünï cödé'`)).toBe('');
    expect(onNode(`cd ${base}/p && ${sums}`)).toBe(here());

    // a name with a tab (a control character: never typed to a terminal) travels inside the
    // data; its mode changed alone, it is named on the line
    writeFileSync(join(project, 'pkg1', 'tab\there.py'), 'tab');
    expect((await push()).items.map((i) => i.path)).toEqual(['pkg1/tab\there.py']);
    chmodSync(join(project, 'pkg1', 'tab\there.py'), 0o750);
    commands.length = 0;
    expect((await push()).items.map((i) => [i.path, i.action])).toEqual([['pkg1/tab\there.py', 'chmod']]);
    expect(commands.map((c) => c.name)).toEqual(['tty', 'push']);
    expect(commands[0]!.keys).not.toContain('APPLIED');
    expect(commands[1]!.keys).toContain('APPLIED');
    expect(onNode(`cd ${base}/p && ${sums}`)).toBe(here());
    expect(onNode(`cd ${base}/p/pkg1 && stat -c %a tab*`)).toBe('750\n');

    // 300 files with long names pushed, then removed with one edit: the removals do not fit the line
    const long = join(project, 'many');
    mkdirSync(long);
    for (let i = 0; i < 300; i++) writeFileSync(join(long, `${'long-name-'.repeat(4)}${i}.txt`), `${i}`);
    await push();
    rmSync(long, { recursive: true });
    writeFileSync(join(project, 'pkg0', 'm1.py'), 'edited again');
    commands.length = 0;
    const r = await push();
    expect(r.items.filter((i) => i.action === 'delete')).toHaveLength(301);
    expect(commands.map((c) => c.name)).toEqual(['tty', 'push']);
    expect(commands[1]!.keys).toContain('APPLIED');
    expect(onNode(`cd ${base}/p && ${sums}`)).toBe(here());
    expect(onNode(`cd ${base}/p && ls -A | LC_ALL=C sort`)).toBe('.hsm\npkg0\npkg1\npkg2\nünï cödé\n');

    // and the next one goes through the open command again
    writeFileSync(join(project, 'pkg2', 'm2.py'), 'and again');
    commands.length = 0;
    expect((await push()).items.map((i) => i.path)).toEqual(['pkg2/m2.py']);
    expect(commands.map((c) => [c.name, c.keys.includes('APPLIED')])).toEqual([['tty', true]]);
    expect(onNode(`cd ${base}/p && ${sums}`)).toBe(here());
  }, 60_000);

  test('a small push whose data arrives damaged at the decoder the open command started: sent again, then applied; nothing left over', async () => {
    await push();
    writeFileSync(join(project, 'pkg2', 'm4.py'), 'damaged on the way, then whole');
    damageNext = true;
    commands.length = 0;
    expect((await push()).items.map((i) => i.path)).toEqual(['pkg2/m4.py']);
    expect(damageNext).toBe(false);
    // the open command: the chunk refused (its sha256 differed), nothing applied; then sent again
    expect(commands[0]!.name).toBe('tty');
    expect(commands[0]!.keys).toContain('BAD');
    expect(commands[0]!.keys).not.toContain('APPLIED');
    expect(commands.at(-1)!.keys).toContain('APPLIED');
    expect(onNode(`cd ${base}/p && ${sums}`)).toBe(here());
    expect(onNode(`ls -A ${base}/p/.hsm/session-sync/chunks`)).toBe('');
  }, 60_000);

  test('a push interrupted while its command waits on the node leaves the session usable and the copy as it was', async () => {
    await push();
    const before = onNode(`cd ${base}/p && ${sums}`);
    writeFileSync(join(project, 'pkg0', 'm3.py'), 'not sent');
    const abort = new AbortController();
    abort.abort();
    await expect(push(abort.signal)).rejects.toMatchObject({ code: 'interrupted' });
    expect(onNode(`cd ${base}/p && ${sums}`)).toBe(before);
    // nothing of it is left running on the node, and the next push is planned and applied as usual
    expect(onNode(`pgrep -fc 'ssync-.*[.]sh tty ${base}/p ' || true`).trim()).toBe('0');
    commands.length = 0;
    expect((await push()).items.map((i) => i.path)).toEqual(['pkg0/m3.py']);
    expect(commands.at(-1)!.keys).toContain('APPLIED');
    expect(onNode(`cd ${base}/p && ${sums}`)).toBe(here());
  }, 60_000);
});

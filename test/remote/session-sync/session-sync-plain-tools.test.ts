import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { quoteShellWord } from '../../../src/domain/shell-quote.js';
import type { ShellTransport } from '../../../src/remote/shell/index.js';
import { pushThroughSession, type SessionShell } from '../../../src/remote/session-sync/index.js';
import { here, infra, NODE, onNode, openNode24 } from './node24.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// A node without gzip whose base64 has no -i (it cannot skip the typed lines' `#`): every command
// of the sync runs with a PATH of only the tools below, gzip not among them, and a base64 that
// refuses -i. Data then travels uncompressed, and the typed lines' `#` are removed with tr, in
// the push begun before the local scan too. node24, reached through a pty-only session.
const SUMS = `find . -path ./.hsm -prune -o -type f -exec sha256sum {} + | sort`;
const TOOLS = [
  'sh',
  'find',
  'tar',
  'head',
  'sha256sum',
  'stty',
  'cat',
  'rm',
  'mkdir',
  'mv',
  'tee',
  'tr',
  'ls',
  'cut',
  'wc',
  'dd',
  'grep',
  'chmod',
  'rmdir',
  'readlink',
  'stat',
];

describe.runIf(infra !== null)('sync through a session to a node without gzip and base64 -i (node24)', () => {
  let transport: ShellTransport;
  let shell: SessionShell;
  const commands: { name: string; keys: string[]; out: string }[] = [];
  const base = `hsm-ssync-plain/${process.pid}-${randomBytes(3).toString('hex')}`;
  // shared /tmp: the node runs these (as its own user)
  const bin = makeTempDir('hsm-plain-tools-');
  const project = makeTempDir('hsm-ssync-plain-project-');
  beforeAll(() => {
    for (const t of TOOLS) symlinkSync(`/usr/bin/${t}`, join(bin, t));
    writeFileSync(
      join(bin, 'base64'),
      [
        '#!/bin/sh',
        'case " $* " in *" -"*i*) echo "base64: invalid option" >&2; exit 1 ;; esac',
        'exec /usr/bin/base64 "$@"',
        '',
      ].join('\n'),
    );
    chmodSync(join(bin, 'base64'), 0o755);
    chmodSync(bin, 0o777);
    const opened = openNode24();
    transport = opened.transport;
    shell = {
      node: NODE,
      run: async (command, options) => {
        const r = await opened.shell.run(`PATH=${quoteShellWord(bin)}; export PATH; ${command}`, options);
        const name = /ssync-[0-9a-f]+\.sh'? '?([a-z0-9]+)/.exec(command)?.[1] ?? '?';
        commands.push({
          name,
          keys: [...r.stdout.matchAll(/^HSM-([A-Z]+)/gm)].map((m) => m[1]!),
          out: r.stdout,
        });
        return r;
      },
    };
    mkdirSync(join(project, 'pkg'));
    for (let i = 0; i < 20; i++) writeFileSync(join(project, 'pkg', `m${i}.py`), `x = ${i}\n`.repeat(50));
  });
  afterAll(async () => {
    await transport?.close();
    // the line detected for this test's PATH (a directory that is gone now)
    onNode(`rm -rf ${base}; sed -i '\\|${bin}$|d' .hsm/ssync-tools2`);
    rmSync(bin, { recursive: true, force: true });
    rmSync(project, { recursive: true, force: true });
  });

  test('a first push and an incremental one (begun before the scan) arrive whole, uncompressed', async () => {
    const push = () => pushThroughSession(shell, { localRoot: project, remoteRoot: `${base}/p` });
    expect((await push()).items).toHaveLength(21);
    // the node said it has no gzip (its directory not there yet), and got the data uncompressed
    expect(commands.map((c) => c.out).join('')).toMatch(/^HSM-ROOT none raw\r?$/m);
    expect(commands.map((c) => c.out).join('')).not.toMatch(/not found/);
    expect(onNode(`cd ${base}/p && ${SUMS}`)).toBe(here(project, SUMS));
    writeFileSync(join(project, 'pkg', 'm3.py'), 'edited = 1\n');
    writeFileSync(join(project, 'pkg', 'new.py'), 'new = 1\n');
    commands.length = 0;
    expect((await push()).items.map((i) => i.path)).toEqual(['pkg/m3.py', 'pkg/new.py']);
    expect(commands.map((c) => [c.name, c.keys.includes('OK'), c.keys.includes('APPLIED')])).toEqual([
      ['tty', true, true],
    ]);
    expect(onNode(`cd ${base}/p && ${SUMS}`)).toBe(here(project, SUMS));
    expect(onNode(`ls -A ${base}/p/.hsm/session-sync/chunks`)).toBe('');
    // what was detected for this PATH: no base64 -di (tr removes the #)
    expect(onNode(`grep '${bin}$' .hsm/ssync-tools2`)).toMatch(/ tr \//);
  }, 60_000);
});

import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { quoteShellWord } from '../../../src/domain/shell-quote.js';
import type { ShellTransport } from '../../../src/remote/shell/index.js';
import {
  pullThroughSession,
  pushThroughSession,
  type SessionShell,
} from '../../../src/remote/session-sync/index.js';
import { here, infra, NODE, onNode, openNode24 } from './node24.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// A node whose find has no -printf (busybox, BSD userland): every command of the sync runs with a
// PATH whose first `find` refuses -printf (as busybox's does) and logs how it was called; the
// node's side falls back to stat(1) per entry, detected once per PATH. node24, reached through a
// pty-only session.
const SUMS = `find . -mindepth 1 -path ./.hsm -prune -o -printf '%y %m %s %P -> %l\\n' | sort; find . -path ./.hsm -prune -o -type f -exec sha256sum {} + | sort`;

describe.runIf(infra !== null)('sync through a session to a node whose find has no -printf (node24)', () => {
  let transport: ShellTransport;
  let shell: SessionShell;
  let plainShell: SessionShell;
  const base = `hsm-ssync-posix/${process.pid}-${randomBytes(3).toString('hex')}`;
  // shared /tmp: the node runs this find (as its own user)
  const bin = makeTempDir('hsm-nofind-');
  const log = join(bin, 'calls.log');
  const project = makeTempDir('hsm-ssync-posix-project-');
  beforeAll(() => {
    writeFileSync(
      join(bin, 'find'),
      [
        '#!/bin/sh',
        `echo "$*" >>${log}`,
        'for a do case $a in -printf|-fprintf|-printf0) echo "find: unrecognized: $a" >&2; exit 1 ;; esac; done',
        'exec /usr/bin/find "$@"',
        '',
      ].join('\n'),
    );
    chmodSync(join(bin, 'find'), 0o755);
    chmodSync(bin, 0o777);
    writeFileSync(log, '');
    chmodSync(log, 0o666);
    ({ transport, shell: plainShell } = openNode24());
    shell = {
      node: NODE,
      run: (command, options) =>
        plainShell.run(`PATH=${quoteShellWord(bin)}:$PATH; export PATH; ${command}`, options),
    };
    mkdirSync(join(project, 'src', 'a dir'), { recursive: true });
    writeFileSync(join(project, 'train.py'), 'print(1)\n');
    writeFileSync(join(project, 'run.sh'), '#!/bin/sh\necho run\n');
    chmodSync(join(project, 'run.sh'), 0o755);
    writeFileSync(join(project, 'src', 'a dir', `it's "x" $HOME.txt`), 'x\n');
    writeFileSync(join(project, 'src', 'data.bin'), randomBytes(50_000));
    symlinkSync('../train.py', join(project, 'src', 'link'));
  });
  afterAll(async () => {
    await transport?.close();
    // the line detected for this test's PATH (a directory that is gone now)
    onNode(`rm -rf ${base}; sed -i '\\|${bin}:|d' .hsm/ssync-tools2`);
    rmSync(bin, { recursive: true, force: true });
    rmSync(project, { recursive: true, force: true });
  });

  test('push, an unchanged push, an edit and a pull all work without -printf; the fallback is detected once per PATH', async () => {
    const first = await pushThroughSession(shell, { localRoot: project, remoteRoot: `${base}/p` });
    expect(first.items.length).toBeGreaterThan(5);
    expect(onNode(`cd ${base}/p && ${SUMS}`)).toBe(here(project, SUMS));
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    // the probe once; the new copy is not listed (this machine knows what the push wrote)
    expect(calls.filter((c) => c.includes('-printf'))).toHaveLength(1);
    expect(calls.filter((c) => c.includes('-exec sh -c'))).toHaveLength(0);
    // what was detected for that PATH (other tests' sessions on node24 add their own lines)
    const mine = onNode('cat .hsm/ssync-tools2')
      .split('\n')
      .filter((l) => l.includes(` ${bin}:`));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.startsWith('posix c ')).toBe(true);

    const again = await pushThroughSession(shell, { localRoot: project, remoteRoot: `${base}/p` });
    expect(again.items).toEqual([]);
    writeFileSync(join(project, 'train.py'), 'print(2)\n');
    chmodSync(join(project, 'src', 'data.bin'), 0o600);
    // and on the node, a same-size edit: the copy is listed (stat per entry) and the file hashed
    onNode(`cd ${base}/p && printf '#!/bin/sh\\necho RUN\\n' >run.sh`);
    const edit = await pushThroughSession(shell, { localRoot: project, remoteRoot: `${base}/p` });
    expect(edit.items.map((i) => `${i.action} ${i.path}`)).toEqual([
      'send run.sh',
      'chmod src/data.bin',
      'send train.py',
    ]);
    expect(
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((c) => c.includes('-exec sh -c')),
    ).toHaveLength(1);
    expect(onNode(`cd ${base}/p && ${SUMS}`)).toBe(here(project, SUMS));
    expect(
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((c) => c.includes('-printf')),
    ).toHaveLength(1);

    const back = makeTempDir('hsm-ssync-posix-pull-');
    const pulled = await pullThroughSession(shell, { remoteDir: `${base}/p/src`, localDir: back });
    expect(pulled.items.length).toBe(4);
    expect(here(back, SUMS)).toBe(here(join(project, 'src'), SUMS));
    rmSync(back, { recursive: true, force: true });

    // the node's own PATH (GNU find, -printf) reads the copy the same
    const gnu = await pushThroughSession(plainShell, { localRoot: project, remoteRoot: `${base}/p` });
    expect(gnu.items).toEqual([]);
  }, 60_000);
});

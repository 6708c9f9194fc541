import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HsmError } from '../../../src/domain/errors.js';
import { createShellTransport, type ShellTransport } from '../../../src/remote/shell/index.js';
import {
  pullThroughSession,
  pushThroughSession,
  sessionShellOf,
  type SessionShell,
} from '../../../src/remote/session-sync/index.js';
import { PTY_ONLY_SHELL_COMMAND } from '../../helpers/pty-only.js';
import { sshInfra } from '../shell/shell-test-helpers.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// Push and pull through a pty-only session to node24 (test/fixtures/pty-only/ssh-tt: no exec
// channel, scp or rsync reach the node). The node's side is checked independently over ssh.
const infra = sshInfra();
const NODE = 'node24';
const LISTING = `find . -mindepth 1 -path ./.hsm -prune -o -printf '%y %m %s %P -> %l\\n' | sort; find . -path ./.hsm -prune -o -type f -exec sha256sum {} + | sort`;

function onNode(command: string): string {
  return execFileSync('ssh', ['-F', infra!.config, NODE, command], { encoding: 'utf8' });
}
function here(dir: string, command: string): string {
  return execFileSync('sh', ['-c', command], { cwd: dir, encoding: 'utf8' });
}

describe.runIf(infra !== null)('sync through a pty-only session (node24)', () => {
  let transport: ShellTransport;
  let shell: SessionShell;
  const base = `hsm-ssync-test/${process.pid}-${randomBytes(3).toString('hex')}`;
  beforeAll(() => {
    transport = createShellTransport({ shellCommand: PTY_ONLY_SHELL_COMMAND, connectTimeoutMs: 20_000 });
    shell = sessionShellOf(transport, { name: NODE, target: NODE });
  });
  afterAll(async () => {
    await transport.close();
    onNode(`rm -rf ${base}`);
  });

  function project(): string {
    const dir = makeTempDir('hsm-ssync-');
    mkdirSync(join(dir, 'src/ünï cödé'), { recursive: true });
    mkdirSync(join(dir, 'empty dir'));
    mkdirSync(join(dir, 'outputs/run1'), { recursive: true });
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, '.git/HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(dir, 'train.py'), 'print("hi")\n');
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\necho run\n');
    chmodSync(join(dir, 'run.sh'), 0o755);
    writeFileSync(join(dir, `src/ünï cödé/it's "quoted" $HOME.txt`), 'unicode\n');
    writeFileSync(join(dir, 'src/new\nline.txt'), 'nl');
    writeFileSync(join(dir, 'src/empty'), '');
    writeFileSync(join(dir, 'src/data.bin'), randomBytes(20_000));
    symlinkSync('../train.py', join(dir, 'src/link-to-train'));
    symlinkSync('src', join(dir, 'srclink'));
    writeFileSync(join(dir, '.gitignore'), '*.log\n/scratch/\n');
    writeFileSync(join(dir, 'debug.log'), 'ignored');
    mkdirSync(join(dir, 'scratch'));
    writeFileSync(join(dir, 'scratch/tmp'), 'ignored');
    writeFileSync(join(dir, 'big.ckpt'), 'excluded');
    writeFileSync(join(dir, 'outputs/run1/result'), 'protected');
    return dir;
  }

  // What the node must hold: the project without what is never synced.
  function expected(dir: string): string {
    const copy = makeTempDir('hsm-ssync-exp-');
    here(
      dir,
      `tar -cf - --exclude=./.git --exclude=./outputs --exclude='*.log' --exclude=./scratch --exclude=./big.ckpt . | tar -xpf - -C ${copy}`,
    );
    return here(copy, LISTING);
  }

  test('a first push writes the project: modes, symlinks as links, odd names, empty dirs; ignored, excluded, outputs and .git stay behind', async () => {
    const dir = project();
    const remote = `${base}/p1`;
    const progress: number[] = [];
    const r = await pushThroughSession(shell, {
      localRoot: dir,
      remoteRoot: `~/${remote}`,
      excludes: ['*.ckpt'],
      protectedDirs: ['outputs'],
      onProgress: (p) => progress.push(p.bytes_done),
    });
    expect(r.dry_run).toBe(false);
    expect(r.bytes).toBe(12 + 19 + 8 + 2 + 20_000 + 16);
    expect(r.items.filter((i) => i.action !== 'send')).toEqual([]);
    expect(r.items.map((i) => i.path)).toContain('src/ünï cödé/it\'s "quoted" $HOME.txt');
    expect(progress.at(-1)).toBe(r.bytes);
    expect(onNode(`cd ${remote} && ${LISTING}`)).toBe(expected(dir));
  });

  test('an incremental push sends only what changed, applies deletions, modes and new link targets, and keeps files the node made', async () => {
    const dir = project();
    const remote = `${base}/p2`;
    const opts = { localRoot: dir, remoteRoot: remote, excludes: ['*.ckpt'], protectedDirs: ['outputs'] };
    await pushThroughSession(shell, opts);
    onNode(
      `echo node-made >${remote}/node-made.txt; mkdir -p ${remote}/outputs && echo r >${remote}/outputs/r`,
    );
    writeFileSync(join(dir, 'train.py'), 'print("changed")\n');
    unlinkSync(join(dir, 'src/empty'));
    rmSync(join(dir, 'empty dir'), { recursive: true });
    chmodSync(join(dir, 'src/data.bin'), 0o600);
    unlinkSync(join(dir, 'srclink'));
    symlinkSync('run.sh', join(dir, 'srclink'));
    const r = await pushThroughSession(shell, opts);
    expect(r.items).toEqual([
      { path: 'empty dir', action: 'delete', bytes: 0 },
      { path: 'src/data.bin', action: 'chmod', bytes: 0 },
      { path: 'src/empty', action: 'delete', bytes: 0 },
      { path: 'srclink', action: 'send', bytes: 0 },
      { path: 'train.py', action: 'send', bytes: 17 },
    ]);
    expect(r.unchanged).toBeGreaterThan(5);
    const node = onNode(`cd ${remote} && ${LISTING}`);
    expect(node).toContain('node-made.txt');
    expect(onNode(`cat ${remote}/outputs/r`)).toBe('r\n');
    expect(node.replace(/^.*node-made.*\n/gm, '').replace(/^.*outputs.*\n/gm, '')).toBe(expected(dir));
    const again = await pushThroughSession(shell, opts);
    expect(again.items).toEqual([]);
  });

  test('a file changed on the node (same size, new mtime) is noticed by its hash and sent again', async () => {
    const dir = project();
    const remote = `${base}/p3`;
    await pushThroughSession(shell, { localRoot: dir, remoteRoot: remote });
    onNode(`printf 'print("HI")\\n' >${remote}/train.py`);
    const r = await pushThroughSession(shell, { localRoot: dir, remoteRoot: remote });
    expect(r.items).toEqual([{ path: 'train.py', action: 'send', bytes: 12 }]);
    expect(onNode(`cat ${remote}/train.py`)).toBe('print("hi")\n');
  });

  test('--dry-run lists the files and bytes that would move and changes nothing', async () => {
    const dir = project();
    const remote = `${base}/p4`;
    const r = await pushThroughSession(shell, {
      localRoot: dir,
      remoteRoot: remote,
      dryRun: true,
      excludes: ['*.ckpt'],
    });
    expect(r.dry_run).toBe(true);
    expect(r.items.find((i) => i.path === 'src/data.bin')).toEqual({
      path: 'src/data.bin',
      action: 'send',
      bytes: 20_000,
    });
    expect(r.chunks_sent).toBe(0);
    expect(onNode(`test -e ${remote} && echo exists || echo absent`)).toBe('absent\n');
  });

  test('pull brings a directory of the node back: contents, modes, symlinks; only changes the second time', async () => {
    const remote = `${base}/results`;
    onNode(
      `mkdir -p '${remote}/sub dir' && cd ${remote} && printf '{"loss": 0.5}' >metrics.json && head -c 300000 /dev/urandom >'sub dir/ckpt ü.bin' && chmod 600 'sub dir/ckpt ü.bin' && ln -s metrics.json latest`,
    );
    const local = join(makeTempDir('hsm-ssync-pull-'), 'task_001');
    const r = await pullThroughSession(shell, { remoteDir: remote, localDir: local });
    expect(r.items.map((i) => i.path)).toEqual(['latest', 'metrics.json', 'sub dir', 'sub dir/ckpt ü.bin']);
    expect(here(local, LISTING)).toBe(onNode(`cd ${remote} && ${LISTING}`));
    onNode(`cd ${remote} && printf '{"loss": 0.4}' >metrics.json`);
    const again = await pullThroughSession(shell, { remoteDir: remote, localDir: local });
    expect(again.items).toEqual([{ path: 'metrics.json', action: 'send', bytes: 13 }]);
    expect(here(local, 'cat metrics.json')).toBe('{"loss": 0.4}');
  });

  test('a pull interrupted after its first chunk, run again, reads only the chunks it lacks', async () => {
    const remote = `${base}/pull-cut`;
    onNode(`mkdir -p ${remote} && head -c 600000 /dev/urandom >${remote}/ckpt.bin`);
    const local = join(makeTempDir('hsm-ssync-pullcut-'), 'task_002');
    const opts = { remoteDir: remote, localDir: local, chunkBytes: 128 << 10 };
    const abort = new AbortController();
    const error = await pullThroughSession(shell, {
      ...opts,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.phase === 'send') abort.abort();
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HsmError);
    expect((error as HsmError).code).toBe('interrupted');
    const r = await pullThroughSession(shell, opts);
    expect(r.chunks_reused).toBeGreaterThanOrEqual(1);
    expect(r.chunks_sent + r.chunks_reused).toBe(5); // 600,000 bytes + tar headers in 128 KiB chunks
    expect(here(local, LISTING)).toBe(onNode(`cd ${remote} && ${LISTING}`));
  });

  test('a chunk whose answer arrives damaged (a terminal line lost) is read again, not failed', async () => {
    const remote = `${base}/pull-damaged`;
    onNode(`mkdir -p ${remote} && head -c 300000 /dev/urandom >${remote}/ckpt.bin`);
    const local = join(makeTempDir('hsm-ssync-pulldmg-'), 'task_003');
    let damaged = 0;
    // the real session, with one line of the first chunk's base64 dropped on the way back
    const lossy: SessionShell = {
      node: shell.node,
      run: async (command, options) => {
        const r = await shell.run(command, options);
        if (damaged > 0 || !/ send /.test(command)) return r;
        damaged++;
        const lines = r.stdout.split('\n');
        const at = lines.findIndex((l) => l.startsWith('HSM-SECTION data'));
        expect(at).toBeGreaterThan(-1);
        lines.splice(at + 2, 1);
        return { ...r, stdout: lines.join('\n') };
      },
    };
    const r = await pullThroughSession(lossy, { remoteDir: remote, localDir: local, chunkBytes: 128 << 10 });
    expect(damaged).toBe(1);
    expect(r.chunks_sent).toBe(3); // 300,000 bytes + tar headers in 128 KiB chunks
    expect(here(local, LISTING)).toBe(onNode(`cd ${remote} && ${LISTING}`));
  });
});

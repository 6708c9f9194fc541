import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createShellTransport, type ShellTransport } from '../../../src/remote/shell/index.js';
import {
  pushThroughSession,
  sessionShellOf,
  type SessionShell,
} from '../../../src/remote/session-sync/index.js';
import { PTY_ONLY_SHELL_COMMAND } from '../../helpers/pty-only.js';
import { sshInfra } from '../shell/shell-test-helpers.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// A file over 100 MB through a pty-only session to node24 (the node's copy checked over ssh).
const infra = sshInfra();
const NODE = 'node24';

function onNode(command: string): string {
  return execFileSync('ssh', ['-F', infra!.config, NODE, command], { encoding: 'utf8' });
}
function here(dir: string, command: string): string {
  return execFileSync('sh', ['-c', command], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
}
const SUMS = `find . -mindepth 1 -path ./.hsm -prune -o -type f -exec sha256sum {} + | sort`;

describe.runIf(infra !== null)('sync through a pty-only session at scale (node24)', () => {
  let transport: ShellTransport;
  let shell: SessionShell;
  const base = `hsm-ssync-big/${process.pid}-${randomBytes(3).toString('hex')}`;
  beforeAll(() => {
    transport = createShellTransport({
      shellCommand: PTY_ONLY_SHELL_COMMAND,
      connectTimeoutMs: 20_000,
    });
    shell = sessionShellOf(transport, { name: NODE, target: NODE });
  });
  afterAll(async () => {
    await transport.close();
    onNode(`rm -rf ${base}`);
  });

  test('a 150 MB file arrives whole (sha256 on the node equals the local one)', async () => {
    const dir = makeTempDir('hsm-ssync-big-');
    // 150 MB whose every MiB starts with 4 KiB of random bytes: mostly compressible, so the test
    // stays short, yet every chunk differs and the whole file must be reassembled in order.
    const fd = openSync(join(dir, 'model.ckpt'), 'w');
    const mib = Buffer.alloc(1 << 20);
    for (let i = 0; i < 150; i++) {
      randomBytes(4 << 10).copy(mib);
      writeSync(fd, mib);
    }
    closeSync(fd);
    writeFileSync(join(dir, 'train.py'), 'print(1)\n');
    const remote = `${base}/big`;
    const r = await pushThroughSession(shell, { localRoot: dir, remoteRoot: remote, timeoutMs: 50_000 });
    expect(r.bytes).toBe(150 * (1 << 20) + 9);
    expect(r.chunks_sent).toBeGreaterThanOrEqual(38);
    expect(onNode(`cd ${remote} && ${SUMS}`)).toBe(here(dir, SUMS));
  }, 120_000); // ~40 s at load 20 on 2 cores: the node hashes and unpacks 150 MB
});

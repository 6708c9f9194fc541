import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HsmError } from '../../../src/domain/errors.js';
import { createShellTransport, type ShellTransport } from '../../../src/remote/shell/index.js';
import {
  pushThroughSession,
  sessionShellOf,
  type SessionShell,
} from '../../../src/remote/session-sync/index.js';
import { PTY_ONLY_SHELL_COMMAND } from '../../helpers/pty-only.js';
import { sshInfra } from '../shell/shell-test-helpers.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// Sizes a real project has: over 1,000 files; and a push cut off half-way (its
// session killed) that, run again, sends only what had not arrived. Through a pty-only session
// to node24; the node's copy is checked independently over ssh.
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
  const log = join(makeTempDir('hsm-ssync-log-'), 'sessions');
  const base = `hsm-ssync-scale/${process.pid}-${randomBytes(3).toString('hex')}`;
  beforeAll(() => {
    transport = createShellTransport({
      shellCommand: PTY_ONLY_SHELL_COMMAND,
      connectTimeoutMs: 20_000,
      env: { ...process.env, HSM_PTY_ONLY_LOG: log },
    });
    shell = sessionShellOf(transport, { name: NODE, target: NODE });
  });
  afterAll(async () => {
    await transport.close();
    onNode(`rm -rf ${base}`);
  });

  test('1,500 files in 40 directories: first push, then an incremental push of 3 changed files', async () => {
    const dir = makeTempDir('hsm-ssync-many-');
    for (let d = 0; d < 40; d++) {
      mkdirSync(join(dir, `pkg${d}`));
      for (let i = 0; i < 38; i++)
        writeFileSync(join(dir, `pkg${d}`, `mod ${i}.py`), `# ${d}/${i}\n${'x = 1\n'.repeat(i * 10)}`);
    }
    for (let i = 0; i < 20; i++) writeFileSync(join(dir, `top${i}.txt`), randomBytes(i * 100));
    const remote = `${base}/many`;
    const first = await pushThroughSession(shell, { localRoot: dir, remoteRoot: remote, timeoutMs: 50_000 });
    expect(first.items.filter((i) => i.action === 'send').length).toBe(40 + 40 * 38 + 20);
    expect(onNode(`cd ${remote} && ${SUMS}`)).toBe(here(dir, SUMS));
    for (const f of ['pkg1/mod 3.py', 'pkg20/mod 0.py', 'top5.txt'])
      writeFileSync(join(dir, f), `changed ${f}\n`);
    const second = await pushThroughSession(shell, { localRoot: dir, remoteRoot: remote });
    expect(second.items.map((i) => i.path)).toEqual(['pkg1/mod 3.py', 'pkg20/mod 0.py', 'top5.txt']);
    expect(second.wire_bytes).toBeGreaterThan(0);
    expect(second.wire_bytes).toBeLessThan(2000);
    expect(onNode(`cd ${remote} && ${SUMS}`)).toBe(here(dir, SUMS));
  }, 60_000);

  // Typed for one chunk of random data: base64 (4/3), a `#` and a line end per 1000 characters.
  const CHUNK = 512 << 10;
  const B64_PER_CHUNK = Math.ceil(CHUNK / 3) * 4;
  const TYPED_PER_CHUNK = B64_PER_CHUNK + 2 * Math.ceil(B64_PER_CHUNK / 1000);

  test('a session killed half-way through a push: a new session takes over and no chunk that arrived is sent again', async () => {
    const dir = makeTempDir('hsm-ssync-kill-');
    writeFileSync(join(dir, 'data.bin'), randomBytes(4 << 20)); // incompressible: 8 chunks of 512 KiB + the rest
    writeFileSync(join(dir, 'small.txt'), 'small\n');
    const remote = `${base}/kill`;
    const sessionsBefore = sessions();
    let killed = false;
    const r = await pushThroughSession(shell, {
      localRoot: dir,
      remoteRoot: remote,
      chunkBytes: CHUNK,
      timeoutMs: 50_000,
      onProgress: (p) => {
        if (killed || p.phase !== 'send' || p.bytes_done < 2 << 20) return;
        killed = true;
        // the session's ssh client (the wrapper exec'd it), while the next chunk is on its way or just before
        setTimeout(() => process.kill(Number(sessions().at(-1)!.split(' ')[2]), 'SIGKILL'), 100);
      },
    });
    expect(killed).toBe(true);
    expect(sessions().length).toBe(sessionsBefore.length + 1);
    expect(r.chunks_sent).toBe(9);
    // at most the chunk cut off in the middle (and what was typed ahead of the node: 512 KiB) travelled twice
    expect(r.wire_bytes).toBeGreaterThanOrEqual(8 * TYPED_PER_CHUNK);
    expect(r.wire_bytes).toBeLessThanOrEqual(10 * TYPED_PER_CHUNK + (512 << 10));
    expect(onNode(`cd ${remote} && ${SUMS}`)).toBe(here(dir, SUMS));
  }, 60_000);

  test('a push interrupted half-way (Ctrl-C), run again, sends only the chunks that had not arrived', async () => {
    const dir = makeTempDir('hsm-ssync-cut-');
    writeFileSync(join(dir, 'data.bin'), randomBytes(4 << 20));
    writeFileSync(join(dir, 'small.txt'), 'small\n');
    const remote = `${base}/cut`;
    const opts = { localRoot: dir, remoteRoot: remote, chunkBytes: CHUNK, timeoutMs: 50_000 };
    const abort = new AbortController();
    let first = 0;
    const error = await pushThroughSession(shell, {
      ...opts,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.phase === 'send' && p.bytes_done >= 2 << 20 && !abort.signal.aborted) {
          first = p.bytes_done;
          abort.abort();
        }
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HsmError);
    expect((error as HsmError).code).toBe('interrupted');
    expect(first).toBeGreaterThanOrEqual(2 << 20);
    expect(onNode(`test -e ${remote}/data.bin && echo written || echo not-yet`)).toBe('not-yet\n');
    const resumed = await pushThroughSession(shell, opts);
    expect(resumed.chunks_sent + resumed.chunks_reused).toBe(9);
    expect(resumed.chunks_reused).toBeGreaterThanOrEqual(4);
    expect(resumed.wire_bytes).toBeGreaterThanOrEqual((resumed.chunks_sent - 1) * TYPED_PER_CHUNK);
    expect(resumed.wire_bytes).toBeLessThanOrEqual(resumed.chunks_sent * TYPED_PER_CHUNK);
    expect(onNode(`cd ${remote} && ${SUMS}`)).toBe(here(dir, SUMS));
  }, 60_000);

  // `open NODE PID` per session the pty-only wrapper opened.
  function sessions(): string[] {
    return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  }
});

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HsmError } from '../../../src/domain/errors.js';
import { createShellTransport, type ShellTransport } from '../../../src/remote/shell/index.js';
import type { NodeTarget } from '../../../src/remote/types.js';
import { LOCAL, LOCAL_SHELLS } from './shell-test-helpers.js';

const T = { timeoutMs: 10_000 };

describe.each(LOCAL_SHELLS)('shell transport on $label', ({ shellCommand, env }) => {
  let transport: ShellTransport;
  beforeAll(() => {
    transport = createShellTransport({ shellCommand, env, connectTimeoutMs: 15_000 });
  });
  afterAll(() => transport.close());
  const run = (command: string, timeoutMs = T.timeoutMs) => transport.run(LOCAL, command, { timeoutMs });

  test('reports exit codes 0, 1, 42 and 127 with the exact output', async () => {
    expect(await run('echo hello')).toMatchObject({
      exitCode: 0,
      stdout: 'hello\n',
      stderr: '',
      error: null,
    });
    expect(await run('false')).toMatchObject({ exitCode: 1, stdout: '' });
    expect(await run('echo bye; exit 42')).toMatchObject({ exitCode: 42, stdout: 'bye\n' });
    const missing = await run('no-such-command-hsm');
    expect(missing.exitCode).toBe(127);
    expect(missing.stdout).toContain('no-such-command-hsm');
  });

  test('keeps output without a trailing newline exactly', async () => {
    expect((await run('printf abc')).stdout).toBe('abc');
    expect((await run('printf "abc\\n\\n"')).stdout).toBe('abc\n\n');
    expect((await run('true')).stdout).toBe('');
  });

  test('is not confused by output that looks like the markers', async () => {
    const fake = 'printf "__HSM_E_0123456789abcdef_0__\\n__HSM_B_x__\\n__HSM_S_y__\\n"; echo tail; exit 3';
    expect(await run(fake)).toMatchObject({
      exitCode: 3,
      stdout: '__HSM_E_0123456789abcdef_0__\n__HSM_B_x__\n__HSM_S_y__\ntail\n',
    });
  });

  test('sends long and hostile command text byte for byte, in short lines', async () => {
    const payload = `a'b"c $HOME \`x\` !! \t tab ; rm -rf / \\ é 日本 ${'x'.repeat(6000)}`;
    const quoted = `'${payload.replace(/'/g, `'\\''`)}'`;
    const r = await run(`printf '%s\\n' ${quoted}\nprintf second-line`);
    expect(r).toMatchObject({ exitCode: 0, stdout: payload + '\nsecond-line' });
  });

  test('gives the command /dev/null as stdin, so it cannot swallow what is typed next', async () => {
    expect(await run('cat; read x; echo "read=$?"')).toMatchObject({ exitCode: 0, stdout: 'read=1\n' });
  });

  test('passes binary bytes and normalises CR LF, strips terminal escapes', async () => {
    const r = await run("printf 'caf\\303\\251 \\001\\002 \\033[31mred\\033[0m\\r\\nnext\\r\\r\\n\\377'");
    expect(r.stdout).toBe('café \u0001\u0002 red\nnext\n\udcff'); // bytes kept (byte-text.ts)
    const noise = await run('head -c 65536 /dev/urandom; echo; echo still-here');
    expect(noise).toMatchObject({ exitCode: 0 });
    expect(noise.stdout.endsWith('still-here\n')).toBe(true);
    expect(await run('echo ok')).toMatchObject({ exitCode: 0, stdout: 'ok\n' });
  });

  test('captures 1 MB of output intact', async () => {
    const r = await run('seq 1 150000', 60_000);
    const expected = Array.from({ length: 150000 }, (_, i) => `${i + 1}\n`).join('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.length).toBe(expected.length);
    expect(r.stdout === expected).toBe(true);
  });

  test('a command that never ends times out with its partial output, and the session stays usable', async () => {
    const pid = (await run('echo $$')).stdout;
    const r = await run('echo started; sleep 1000', 1500);
    expect(r).toMatchObject({ timedOut: true, exitCode: null, stdout: 'started\n', error: null });
    expect(await run('echo $$')).toMatchObject({ exitCode: 0, stdout: pid });
  });

  test('abort interrupts the remote command and keeps what it printed', async () => {
    const controller = new AbortController();
    const r = await transport.run(LOCAL, 'echo running; sleep 1000', {
      timeoutMs: 60_000,
      signal: controller.signal,
      onData: (dir, chunk) => {
        if (dir === 'raw-in' && chunk.includes('running')) controller.abort();
      },
    });
    expect(r).toMatchObject({ error: 'interrupted', exitCode: null, stdout: 'running\n' });
    expect(await run('echo next')).toMatchObject({ exitCode: 0, stdout: 'next\n' });
  });
});

describe('shell transport sessions', () => {
  test('opens one session per node in parallel, with each node in its own template', async () => {
    const transport = createShellTransport({
      shellCommand: 'env "HSM_NODE={node}" bash --norc -i',
      sessionRateLimit: 50,
    });
    try {
      const nodes: NodeTarget[] = ['n1', 'n2', 'n3', 'n4'].map((name) => ({ name, target: name }));
      const results = await Promise.all(nodes.map((n) => transport.run(n, 'echo "$HSM_NODE:$$"', T)));
      expect(results.map((r) => r.stdout.split(':')[0])).toEqual(['n1', 'n2', 'n3', 'n4']);
      expect(new Set(results.map((r) => r.stdout)).size).toBe(4);
      // Reused: the same shell answers the second command on each node.
      const again = await Promise.all(nodes.map((n) => transport.run(n, 'echo "$HSM_NODE:$$"', T)));
      expect(again.map((r) => r.stdout)).toEqual(results.map((r) => r.stdout));
    } finally {
      await transport.close();
    }
  });

  test('a session that dies is reported, and the next command gets a new one', async () => {
    const transport = createShellTransport({ shellCommand: 'bash --norc -i' });
    try {
      const first = (await transport.run(LOCAL, 'echo $$', T)).stdout;
      const dead = await transport.run(LOCAL, 'echo dying; kill -9 $$', T);
      expect(dead.exitCode).toBeNull();
      expect(dead.error).toMatch(/shell session ended/);
      const next = await transport.run(LOCAL, 'echo $$', T);
      expect(next.exitCode).toBe(0);
      expect(next.stdout).not.toBe(first);
    } finally {
      await transport.close();
    }
  });

  test('a command that ignores Ctrl-C times out and its session is replaced', async () => {
    const transport = createShellTransport({ shellCommand: 'bash --norc -i' });
    try {
      const first = (await transport.run(LOCAL, 'echo $$', T)).stdout;
      const r = await transport.run(LOCAL, "trap '' INT; echo stubborn; sleep 1000", { timeoutMs: 1000 });
      expect(r).toMatchObject({ timedOut: true, stdout: 'stubborn\n' });
      expect(r.error).toMatch(/did not recover/);
      const next = await transport.run(LOCAL, 'echo $$', T);
      expect(next.exitCode).toBe(0);
      expect(next.stdout).not.toBe(first);
    } finally {
      await transport.close();
    }
  });

  test('a shell command that exits at once or never answers is a node error with evidence', async () => {
    const transport = createShellTransport({
      shellCommand: 'sh -c "echo connection refused by {node}; exit 255"',
    });
    const gone = await transport.run({ name: 'n9', target: 'n9' }, 'true', T);
    expect(gone.exitCode).toBeNull();
    expect(gone.error).toMatch(/exited \(code 255\) before a shell answered: connection refused by n9/);
    await transport.close();
    const silent = createShellTransport({ shellCommand: 'sleep 1000', connectTimeoutMs: 1200 });
    const hung = await silent.run(LOCAL, 'true', T);
    expect(hung.error).toMatch(/no shell answered within 1200 ms/);
    await silent.close();
  });

  test('a shell command not on PATH or a broken template is a usage error', () => {
    expect(() => createShellTransport({ shellCommand: 'no-such-program-hsm {node}' })).toThrow(HsmError);
    expect(() => createShellTransport({ shellCommand: 'no-such-program-hsm {node}' })).toThrow(
      /not found on PATH/,
    );
    expect(() => createShellTransport({ shellCommand: "ssh -tt '{node}" })).toThrow(/unclosed ' quote/);
    expect(() => createShellTransport({ shellCommand: '   ' })).toThrow(/empty/);
  });

  test('--debug sees the raw bytes both ways', async () => {
    const transport = createShellTransport({ shellCommand: 'bash --norc -i' });
    const seen: Record<string, string> = { 'raw-in': '', 'raw-out': '', stdout: '' };
    await transport.run(LOCAL, 'echo dbg', { ...T, onData: (dir, chunk) => (seen[dir] += chunk) });
    await transport.close();
    expect(seen['raw-out']).toContain('stty -echo');
    expect(seen['raw-out']).toContain("__hsm_c='echo dbg'");
    expect(seen['raw-in']).toMatch(/__HSM_B_[0-9a-f]{16}__/);
    expect(seen['raw-in']).toMatch(/__HSM_E_[0-9a-f]{16}_0__/);
    expect(seen.stdout).toBe('dbg\n');
  });
});

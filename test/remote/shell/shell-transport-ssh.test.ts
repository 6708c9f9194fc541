import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createShellTransport, type ShellTransport } from '../../../src/remote/shell/index.js';
import type { NodeTarget } from '../../../src/remote/types.js';
import { sshInfra } from './shell-test-helpers.js';

// `ssh -tt` into the real sshd test hosts of scripts/infra: a remote login shell (Debian's bash
// with its rc files) behind a pty on each side.
const infra = sshInfra();
const T = { timeoutMs: 15_000 };

describe.runIf(infra !== null)('shell transport over ssh -tt to the test hosts', () => {
  let transport: ShellTransport;
  const nodes: NodeTarget[] = (infra?.hosts ?? []).slice(0, 4).map((name) => ({ name, target: name }));
  beforeAll(() => {
    transport = createShellTransport({
      shellCommand: `ssh -F ${infra!.config} -o BatchMode=yes -o ConnectTimeout=5 -tt {node}`,
      sessionRateLimit: 20,
    });
  });
  afterAll(() => transport.close());

  test('runs a command on several hosts at once: each answers with its own hostname and exit code', async () => {
    const results = await Promise.all(nodes.map((n) => transport.run(n, 'hostname; exit 7', T)));
    expect(results.map((r) => r.exitCode)).toEqual(nodes.map(() => 7));
    expect(results.map((r) => r.stdout.trim())).toEqual(nodes.map((n) => n.name));
  });

  test('exit codes, output without newline, marker-like text and a timeout over ssh', async () => {
    const node = nodes[0]!;
    expect(await transport.run(node, 'printf abc', T)).toMatchObject({ exitCode: 0, stdout: 'abc' });
    expect(await transport.run(node, 'no-such-command-hsm', T)).toMatchObject({ exitCode: 127 });
    expect(await transport.run(node, 'echo __HSM_E_0000000000000000_0__; exit 1', T)).toMatchObject({
      exitCode: 1,
      stdout: '__HSM_E_0000000000000000_0__\n',
    });
    const pid = (await transport.run(node, 'echo $$', T)).stdout;
    const hung = await transport.run(node, 'echo started; sleep 1000', { timeoutMs: 2000 });
    expect(hung).toMatchObject({ timedOut: true, stdout: 'started\n', error: null });
    expect(await transport.run(node, 'echo $$', T)).toMatchObject({ exitCode: 0, stdout: pid });
  });

  test('1 MB of output over ssh arrives intact', async () => {
    const r = await transport.run(nodes[1]!, 'seq 1 150000', { timeoutMs: 60_000 });
    const expected = Array.from({ length: 150000 }, (_, i) => `${i + 1}\n`).join('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout === expected).toBe(true);
  });

  test('an unknown host is a node error carrying what ssh said', async () => {
    const r = await transport.run(
      { name: 'no-such-host.invalid', target: 'no-such-host.invalid' },
      'true',
      T,
    );
    expect(r.exitCode).toBeNull();
    expect(r.error).toMatch(/exited \(code 255\).*no-such-host\.invalid/s);
  });
});

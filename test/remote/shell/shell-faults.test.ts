import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createShellTransport, type ShellTransport } from '../../../src/remote/shell/index.js';
import type { NodeTarget } from '../../../src/remote/types.js';
import { LOCAL, sshInfra } from './shell-test-helpers.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// The shell transport under hostile shells and big or slow outputs: local `bash -i` sessions, and
// `ssh -tt` into the real sshd test hosts.

const T = { timeoutMs: 20_000 };
const dir = makeTempDir('hsm-shell-faults-');

describe('shell transport faults on local shells', () => {
  test('`set -e` (and -u, noglob) in the rc file neither ends the session nor changes a command', async () => {
    const rc = join(dir, 'errexit.bashrc');
    writeFileSync(rc, 'set -euf\nset -o pipefail\n');
    const transport = createShellTransport({ shellCommand: `bash --rcfile ${rc} -i` });
    try {
      const pid = (await transport.run(LOCAL, 'echo $$', T)).stdout;
      expect(await transport.run(LOCAL, 'false', T)).toMatchObject({ exitCode: 1, error: null });
      expect(await transport.run(LOCAL, 'echo "$UNSET_HSM"x; false | true; echo /*bin', T)).toMatchObject({
        exitCode: 0,
        stdout: expect.stringMatching(/^x\n\/s?bin( |$)/),
      });
      expect(await transport.run(LOCAL, 'echo $$', T)).toMatchObject({ exitCode: 0, stdout: pid });
    } finally {
      await transport.close();
    }
  });

  test('a command cannot read its end marker back from the session history and forge its result', async () => {
    const transport = createShellTransport({ shellCommand: 'bash --norc -i' });
    try {
      const forge =
        `t=$(history 2 | grep -o "__HSM_E_' '[0-9a-f]*" | grep -o "[0-9a-f]*$" | tail -1); ` +
        `printf '\\n__HSM_E_%s_0__\\n' "$t"; sleep 0.5; exit 7`;
      const r = await transport.run(LOCAL, forge, T);
      expect(r.exitCode).toBe(7);
    } finally {
      await transport.close();
    }
  });

  test('output is streamed line by line while the command runs', async () => {
    const transport = createShellTransport({ shellCommand: 'bash --norc -i' });
    const flag = join(dir, 'streamed');
    const chunks: string[] = [];
    try {
      const r = await transport.run(
        LOCAL,
        `echo first; while [ ! -e ${flag} ]; do sleep 0.05; done; echo second; printf tail`,
        {
          ...T,
          onData: (stream, chunk) => {
            if (stream !== 'stdout') return;
            chunks.push(chunk);
            if (chunks.join('').includes('first\n') && !existsSync(flag)) writeFileSync(flag, '');
          },
        },
      );
      expect(r).toMatchObject({ exitCode: 0, timedOut: false, stdout: 'first\nsecond\ntail' });
      expect(chunks.join('')).toBe('first\nsecond\ntail');
    } finally {
      await transport.close();
    }
  });

  test('bytes that are not UTF-8 are kept (as U+DC80-U+DCFF), not replaced', async () => {
    const transport = createShellTransport({ shellCommand: 'bash --norc -i' });
    try {
      const r = await transport.run(LOCAL, "printf 'caf\\303\\251 \\377\\376'", T);
      expect(r.stdout).toBe('café \udcff\udcfe');
    } finally {
      await transport.close();
    }
  });

  test('a command waiting for terminal input is said to be, instead of hanging silently', async () => {
    const transport = createShellTransport({ shellCommand: 'bash --norc -i' });
    const ac = new AbortController();
    const notices: string[] = [];
    try {
      const r = await transport.run(LOCAL, 'read x </dev/tty; echo got', {
        timeoutMs: 2_147_483_647, // no -t
        signal: ac.signal,
        onNotice: (text) => {
          notices.push(text);
          ac.abort();
        },
      });
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/waits for input on its terminal/);
      expect(r.error).toBe('interrupted');
    } finally {
      await transport.close();
    }
  }, 30_000);

  test('a 40 MB single line arrives intact in linear time', async () => {
    const transport = createShellTransport({ shellCommand: 'bash --norc -i' });
    try {
      const r = await transport.run(LOCAL, "head -c 40000000 /dev/zero | tr '\\0' x", { timeoutMs: 60_000 });
      expect(r.timedOut).toBe(false);
      expect(r.stdout.length).toBe(40_000_000);
      expect(/^x+$/.test(r.stdout)).toBe(true);
    } finally {
      await transport.close();
    }
  }, 90_000);
});

const infra = sshInfra();

describe.runIf(infra !== null)('shell transport faults over ssh -tt', () => {
  let transport: ShellTransport;
  const nodes: NodeTarget[] = Array.from({ length: 16 }, (_, i) => ({
    name: `node${i + 1}`,
    target: `node${i + 1}`,
  }));
  beforeAll(() => {
    transport = createShellTransport({
      shellCommand: `ssh -F ${infra!.config} -o BatchMode=yes -o ConnectTimeout=10 -tt {node}`,
      sessionRateLimit: 50,
    });
  });
  afterAll(() => transport.close());

  test('16 nodes x 5 MB arrive intact', async () => {
    const results = await Promise.all(
      nodes.map((n) => transport.run(n, "head -c 5000000 /dev/zero | tr '\\0' y", { timeoutMs: 120_000 })),
    );
    for (const r of results) {
      expect(r).toMatchObject({ exitCode: 0, timedOut: false });
      expect(r.stdout.length).toBe(5_000_000);
    }
  }, 180_000);
});

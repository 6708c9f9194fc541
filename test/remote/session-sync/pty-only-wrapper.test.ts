import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createShellTransport } from '../../../src/remote/shell/index.js';
import { PTY_ONLY_SHELL_COMMAND, PTY_ONLY_WRAPPER } from '../../helpers/pty-only.js';
import { sshInfra } from '../shell/shell-test-helpers.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// test/fixtures/pty-only/ssh-tt: the `shell_command` of tests that must prove a feature needs only
// an interactive shell in a pty (no exec channel, scp or rsync), as through `aws ssm start-session`.
const PTY_ONLY = PTY_ONLY_WRAPPER;
const infra = sshInfra();
const NODE = { name: 'node24', target: 'node24' };

describe('the pty-only wrapper refuses everything but an interactive shell', () => {
  test('stdin that is not a terminal is refused (exit 64, the reason on stderr)', () => {
    const r = spawnSync(PTY_ONLY, ['node24'], { input: 'hostname\n', encoding: 'utf8' });
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('stdin is not a terminal');
    expect(r.stdout).toBe('');
  });

  test('a remote command, options or a hostile node name are refused', () => {
    for (const args of [
      ['node24', 'hostname'],
      ['-oProxyCommand=touch /tmp/x', 'node24'],
      ['node24;id'],
      [],
    ]) {
      const r = spawnSync(PTY_ONLY, args, { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(64);
      expect(r.stderr).toContain('ssh-tt: refused');
    }
  });

  test.runIf(infra !== null)('rsync -e and scp -S through it fail: no file reaches the host', () => {
    const dir = makeTempDir('hsm-ptyonly-');
    writeFileSync(join(dir, 'f.txt'), 'x');
    const env = { ...process.env, HSM_TEST_SSH_CONFIG: infra!.config };
    const rsync = spawnSync('rsync', ['-e', PTY_ONLY, join(dir, 'f.txt'), 'node24:/tmp/hsm-ptyonly-f.txt'], {
      encoding: 'utf8',
      env,
    });
    expect(rsync.status).not.toBe(0);
    expect(rsync.stderr).toContain('ssh-tt: refused');
    const scp = spawnSync('scp', ['-S', PTY_ONLY, join(dir, 'f.txt'), 'node24:/tmp/hsm-ptyonly-f.txt'], {
      encoding: 'utf8',
      env,
    });
    expect(scp.status).not.toBe(0);
    expect(scp.stderr).toContain('ssh-tt: refused');
    const check = spawnSync(
      'ssh',
      ['-F', infra!.config, 'node24', 'test -e /tmp/hsm-ptyonly-f.txt && echo there'],
      {
        encoding: 'utf8',
      },
    );
    expect(check.stdout).toBe('');
  });
});

describe.runIf(infra !== null)('the pty-only wrapper opens an interactive shell in a pty', () => {
  const transport = createShellTransport({ shellCommand: PTY_ONLY_SHELL_COMMAND, connectTimeoutMs: 20_000 });
  afterAll(() => transport.close());

  test('the shell transport runs commands on node24 through it, with a terminal on the node', async () => {
    const r = await transport.run(NODE, 'hostname; [ -t 1 ] && echo tty; readlink /proc/$$/fd/1', {
      timeoutMs: 20_000,
    });
    expect(r.error).toBeNull();
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('node24');
    expect(lines[1]).toBe('tty');
    expect(lines[2]).toMatch(/^\/dev\/pts\/\d+$/);
  });
});

import { describe, expect, it } from 'vitest';
import { buildSshArgv } from '../../../src/remote/ssh/ssh-argv.js';
import { classifySshFailure } from '../../../src/remote/ssh/ssh-failure.js';
import {
  buildRemoteKillCommand,
  StartupLineSplitter,
  wrapRemoteCommand,
} from '../../../src/remote/ssh/remote-command.js';

describe('ssh argv', () => {
  it('puts user options first (OpenSSH keeps the first value), then safe defaults, then -- destination command', () => {
    const argv = buildSshArgv('node1', 'uptime', {
      configFile: '/c',
      options: ['Port 2222'],
      controlPath: '/s/%C',
      connectTimeoutSec: 3,
    });
    expect(argv.slice(0, 5)).toEqual(['ssh', '-F', '/c', '-o', 'Port=2222']);
    expect(argv).toContain('BatchMode=yes');
    expect(argv).toContain('ConnectTimeout=3');
    expect(argv).toContain('ControlMaster=auto');
    expect(argv).toContain('ControlPath=/s/%C');
    expect(argv.slice(-4)).toEqual(['-T', '--', 'node1', 'uptime']);
    expect(argv.join(' ')).not.toMatch(/StrictHostKeyChecking/);
  });

  it('can turn connection sharing off', () => {
    expect(buildSshArgv('n', 'true', { controlPath: null })).toContain('ControlPath=none');
  });

  it('refuses destinations that would be options and options that disable host key checks', () => {
    expect(() => buildSshArgv('-oProxyCommand=id', 'true')).toThrow(/Invalid ssh destination/);
    expect(() => buildSshArgv('n', 'true', { options: ['StrictHostKeyChecking=no'] })).toThrow(
      /host key checking/,
    );
    expect(() => buildSshArgv('n', 'true', { options: ['nonsense'] })).toThrow(/Invalid ssh option/);
    expect(buildSshArgv('n', 'true', { options: ['StrictHostKeyChecking=accept-new'] })).toContain(
      'StrictHostKeyChecking=accept-new',
    );
  });
});

describe('remote prologue', () => {
  it('announces the process group on stderr before the command, which follows verbatim', () => {
    expect(wrapRemoteCommand('echo "$HOME"; exit 3')).toMatch(/^sh -c '.*' *; echo "\$HOME"; exit 3$/);
    const s = new StartupLineSplitter();
    // the line may arrive cut anywhere; the node's own text before it is kept, ssh's is not
    const raw =
      "Warning: Permanently added 'n1' (ED25519) to the list of known hosts.\r\nrc says hi\n\x1ehsm-pgid:4242\x1e\nboom\n";
    const parts = [raw.slice(0, 80), raw.slice(80, 95), raw.slice(95)].map((p) => s.push(Buffer.from(p)));
    expect(Buffer.concat(parts).toString()).toBe('rc says hi\nboom\n');
    expect(s.pgid).toBe(4242);
    expect(buildRemoteKillCommand(4242)).toContain('kill -TERM -4242');
  });
});

describe('ssh failure classification (recorded OpenSSH 9.2 messages)', () => {
  const cases: [string, RegExp][] = [
    ['ssh: connect to host 10.251.0.24 port 22: Connection refused\r\n', /^connection refused/],
    [
      'Connection timed out during banner exchange\r\nConnection to 10.251.0.25 port 22 timed out\r\n',
      /^connection timed out/,
    ],
    ['ssh: connect to host 10.251.0.26 port 22: Connection timed out\r\n', /^connection timed out/],
    [
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\n' +
        'Offending ED25519 key in /tmp/kh:17\r\nHost key verification failed.\r\n',
      /^HOST KEY MISMATCH/,
    ],
    [
      'No ED25519 host key is known for node7 and you have requested strict checking.\r\nHost key verification failed.\r\n',
      /^host key unknown/,
    ],
    ['hsmtest@10.251.0.12: Permission denied (publickey).\r\n', /^authentication failed/],
    ['ssh: Could not resolve hostname x.invalid: Name or service not known\r\n', /^unknown host name/],
  ];
  it.each(cases)('%j', (stderr, expected) => {
    expect(classifySshFailure(255, stderr, false)?.message).toMatch(expected);
  });

  it("leaves the command's own results alone", () => {
    expect(classifySshFailure(3, 'Connection refused', false)).toBeNull();
    expect(classifySshFailure(255, 'curl: Connection refused\n', true)).toBeNull();
    expect(classifySshFailure(255, 'Timeout, server node2 not responding.\r\n', true)?.kind).toBe(
      'connection_lost',
    );
  });
});

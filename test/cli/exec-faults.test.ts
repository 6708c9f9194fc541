import { spawn, spawnSync } from 'node:child_process';
import * as pty from 'node-pty';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, HSM_BIN, waitForExit } from '../helpers/cli.js';
import { NO_INFRA, privateControlPath, sshInfra, waitForNoProcess } from '../remote/test-infra.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// `hsm exec` under faults: signals, lost connections, odd option combinations, hostile output.
// Real sshd hosts node1..13 (none is broken here: host failures live in exec.test.ts).

const cwd = makeTempDir('hsm-exec-faults-');

describe('hsm exec option checks', () => {
  beforeAll(() => ensureBuilt());

  it('refuses a --shell-command template that names no node when several nodes are targeted', () => {
    const r = hsm(['exec', '-w', 'node[1-2]', '--shell-command', 'bash --norc -i', 'hostname'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('names no node');
    expect(r.stderr).toContain('{node}');
    const one = hsm(['exec', '-w', 'node1', '--shell-command', 'bash --norc -i', '--json', 'echo one'], cwd);
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout).nodes[0].stdout).toBe('one\n');
  });

  it('refuses a node set of over 4,096 nodes unless --yes says it is meant', () => {
    const r = hsm(['exec', '-w', 'n[1-100000]', '--debug', 'true'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the node set has 100,000 nodes (over 4,096): n[1-100000]');
    expect(r.stderr).toContain('--yes');
    expect(r.stderr).not.toContain('[debug]'); // refused before any connection is set up
    const limit = hsm(['exec', '-w', 'n[1-4097]', 'true'], cwd);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('4,097 nodes');
  });

  it('refuses a --timeout that timers cannot hold instead of firing at once', () => {
    const r = hsm(['exec', '-w', 'node1', '-t', '30d', 'true'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--timeout must be at most 24d/);
  });

  it('refuses -b with --stream or --json (both print on stdout)', () => {
    for (const other of ['--stream', '--json']) {
      const r = hsm(['exec', '-w', 'node1', '-b', other, 'true'], cwd);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`-b and ${other} cannot be combined`);
    }
  });

  it('--hyperpod without the aws CLI fails at once (exit 3), not after the aws timeout', () => {
    const started = Date.now();
    const r = hsm(['exec', '--hyperpod', 'ml', 'true'], cwd, { PATH: '/nonexistent' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('The AWS CLI (`aws`) was not found');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe.skipIf(NO_INFRA)('hsm exec faults on real hosts', () => {
  const infra = NO_INFRA ? null! : sshInfra();
  const ssh = () => ['--ssh-config', infra.configFile, '--ssh-option', `ControlPath=${privateControlPath()}`];
  const exec = (args: string[], env: NodeJS.ProcessEnv = {}) => hsm(['exec', ...ssh(), ...args], cwd, env);
  const start = (args: string[]) =>
    spawn(process.execPath, [HSM_BIN, 'exec', ...ssh(), ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  beforeAll(() => ensureBuilt());

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`${signal} stops the remote commands like Ctrl-C and exits 130`, async () => {
      const tag = signal === 'SIGTERM' ? 3031 : 3032;
      const child = start(['-w', 'node[6-7]', `echo go; sleep ${tag}`]);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if ((out.match(/go/g) ?? []).length === 2) child.kill(signal);
      });
      const { code } = await waitForExit(child);
      expect(code).toBe(130);
      expect(await waitForNoProcess(`sleep ${tag}`)).toBe('');
      expect(await waitForNoProcess(`ssh .*sleep ${tag}`)).toBe('');
    });
  }

  it('kill -9 of hsm leaves no ssh client and no remote command running for long', async () => {
    const child = start(['-w', 'node[6-9]', 'echo go; sleep 3033']);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if ((out.match(/go/g) ?? []).length === 4) child.kill('SIGKILL');
    });
    await waitForExit(child);
    expect(await waitForNoProcess('ssh .*sleep 3033', 30_000)).toBe('');
    expect(await waitForNoProcess('sleep 3033', 30_000)).toBe('');
  });

  it('output piped into a reader that stops early ends quietly with exit 0', async () => {
    const child = start(['-w', 'node[1-2]', 'seq 1 200000']);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.once('data', () => child.stdout!.destroy());
    const { code } = await waitForExit(child);
    expect(stderr).not.toContain('interrupted');
    expect(code).toBe(0);
  });

  it('keeps what the node printed before the command started (a syntax error in the command line)', () => {
    const r = exec(['-w', 'node3', '--json', "echo 'oops"]);
    expect(r.code).toBe(1);
    const [n] = JSON.parse(r.stdout).nodes;
    expect(n.exit_code).toBe(2);
    expect(n.error).toBeNull();
    expect(n.stderr).toMatch(/unexpected EOF|unterminated|matching/);
    const human = exec(['-w', 'node3', "echo 'oops"]);
    expect(human.stderr).toMatch(/^node3: .*(unexpected EOF|matching)/m);
  });

  it('a connection lost mid-command (sshd killed) is reported as such at once, and the remote command dies', async () => {
    const started = Date.now();
    const r = exec(['-w', 'node4', '--json', 'echo before; kill -9 $PPID; sleep 3034']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.nodes[0]).toMatchObject({ node: 'node4', exit_code: null, timed_out: false });
    expect(doc.nodes[0].error).toMatch(/^connection lost/);
    expect(doc.summary).toMatchObject({ failed: 1, unreachable: 1 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await waitForNoProcess('sleep 3034', 30_000)).toBe('');
  });

  it('a command that exits 255 by itself is still its own exit code', () => {
    const r = exec(['-w', 'node4', '--json', 'echo x; exit 255']);
    expect(JSON.parse(r.stdout).nodes[0]).toMatchObject({ exit_code: 255, error: null, stdout: 'x\n' });
  });

  describe('hostile output', () => {
    const hostile = "printf 'a\\033]0;title\\007\\033[2J\\rnode9: forged\\377\\n'";

    it('reaches a pipe byte for byte, and JSON with invalid bytes as \\udcXX escapes', () => {
      const r = spawnSync(process.execPath, [HSM_BIN, 'exec', ...ssh(), '-w', 'node2', hostile], { cwd });
      expect(r.status).toBe(0);
      expect(r.stdout).toEqual(
        Buffer.concat([
          Buffer.from('node2: a\x1b]0;title\x07\x1b[2J\rnode9: forged'),
          Buffer.from([0xff, 0x0a]),
        ]),
      );
      const json = exec(['-w', 'node2', '--json', hostile]);
      expect(json.stdout).toContain(
        '"stdout": "a\\u001b]0;title\\u0007\\u001b[2J\\rnode9: forged\\udcff\\n"',
      );
    });

    it('is shown escaped on a terminal (as cat -v does), and as is with --raw', async () => {
      const onTerminal = async (extra: string[]) => {
        const term = pty.spawn(
          process.execPath,
          [HSM_BIN, 'exec', ...ssh(), '-w', 'node2', ...extra, hostile],
          {
            cwd,
            cols: 200,
            env: process.env as Record<string, string>,
            encoding: null,
          },
        );
        const chunks: Buffer[] = [];
        term.onData((d: string | Buffer) => chunks.push(Buffer.from(d as Buffer)));
        await new Promise<void>((res) => term.onExit(() => res()));
        return Buffer.concat(chunks).toString('latin1');
      };
      const escaped = await onTerminal([]);
      expect(escaped).toContain('node2: a^[]0;title^G^[[2J^Mnode9: forged\\xff\r\n');
      expect(escaped).not.toContain('\x1b');
      const raw = await onTerminal(['--raw']);
      expect(raw).toContain('node2: a\x1b]0;title\x07\x1b[2J\rnode9: forged\xff');
    });
  });

  it('--test-node times the connection and the round trip apart', () => {
    const r = exec(['--test-node', 'node10']);
    expect(r.code).toBe(0);
    const m = /^node10 +ok +(\d+) +(\d+)$/m.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    // a cold connection (private ControlPath) costs a key exchange; the round trip reuses it
    expect(Number(m![1])).not.toBe(Number(m![2]));
  });
});

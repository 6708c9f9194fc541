import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, HSM_BIN, waitForExit } from '../helpers/cli.js';
import { acquireSlurmLock } from '../helpers/slurm-lock.js';
import {
  NO_INFRA,
  privateControlPath,
  sshInfra,
  waitForNoProcess,
  waitForProcess,
} from '../remote/test-infra.js';
import { spawn } from 'node:child_process';
import { makeTempDir } from '../helpers/temp-dir.js';

// `hsm exec` end to end: the built CLI against the real sshd hosts and Slurm of scripts/infra/up.sh.
// node14..node16 are broken on purpose by one test (and restored): no other test uses them.

const cwd = makeTempDir('hsm-exec-');

// Skipped only when HSM_TEST_NO_INFRA=1 is set on purpose (no root for network namespaces, see the
// README); `npm test` and CI start the hosts and run these. Absent hosts without the flag fail loudly.
describe.skipIf(NO_INFRA)('hsm exec on real hosts', () => {
  const infra = NO_INFRA ? null! : sshInfra();
  // a private ControlPath: masters left by other tests would survive a stopped sshd or a new key
  const ssh = () => ['--ssh-config', infra.configFile, '--ssh-option', `ControlPath=${privateControlPath()}`];
  const exec = (args: string[], env: NodeJS.ProcessEnv = {}) => hsm(['exec', ...ssh(), ...args], cwd, env);

  beforeAll(() => ensureBuilt());

  describe('one host down, one hanging, one with a wrong host key, in the same run', () => {
    const hostCtl = (action: string, node: string) =>
      execFileSync(infra.hostCtl, [action, node], { stdio: 'inherit' });
    let knownHosts = '';
    beforeAll(() => {
      hostCtl('stop', 'node14'); // sshd killed: connection refused
      hostCtl('freeze', 'node15'); // sshd SIGSTOPped: TCP accepted, no banner
      // node16 presents a key that differs from the one we trust
      const lines = readFileSync(infra.knownHosts, 'utf8').split('\n');
      const otherKey = lines
        .find((l) => l.startsWith('node1,'))!
        .split(' ')
        .slice(1)
        .join(' ');
      knownHosts = join(makeTempDir('hsm-kh-'), 'known_hosts');
      writeFileSync(
        knownHosts,
        lines.map((l) => (l.startsWith('node16,') ? `${l.split(' ')[0]} ${otherKey}` : l)).join('\n'),
      );
    });
    afterAll(() => {
      for (const n of ['node14', 'node15', 'node16']) hostCtl('restore', n);
    });
    const args = () => [
      '-w',
      'node[1-16]',
      '--connect-timeout',
      '2',
      '--ssh-option',
      `UserKnownHostsFile=${knownHosts}`,
    ];

    it('--json reports each failure for what it is and keeps the other results intact; exit 1', () => {
      const r = exec([...args(), '--json', 'hostname; echo to-stderr >&2']);
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout);
      expect(doc.nodes.map((n: { node: string }) => n.node)).toEqual(
        Array.from({ length: 16 }, (_, i) => `node${i + 1}`),
      );
      for (const n of doc.nodes.slice(0, 13)) {
        expect(n).toMatchObject({
          exit_code: 0,
          stdout: `${n.node}\n`,
          stderr: 'to-stderr\n',
          timed_out: false,
          error: null,
        });
        expect(typeof n.duration_ms).toBe('number');
      }
      const [down, hung, badKey] = doc.nodes.slice(13);
      expect(down).toMatchObject({ node: 'node14', exit_code: null, stdout: '', timed_out: false });
      expect(down.error).toMatch(/^connection refused/);
      expect(hung).toMatchObject({ node: 'node15', exit_code: null, stdout: '' });
      expect(hung.error).toMatch(/^connection timed out/);
      expect(badKey).toMatchObject({ node: 'node16', exit_code: null, stdout: '' });
      expect(badKey.error).toMatch(/^HOST KEY MISMATCH/);
      expect(doc.summary).toEqual({ ok: 13, failed: 3, timed_out: 0, unreachable: 3 });
    });

    it('prints node-prefixed lines, one line per failed node and a summary', () => {
      const r = exec([...args(), 'hostname']);
      expect(r.code).toBe(1);
      expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(
        Array.from({ length: 13 }, (_, i) => `node${i + 1}: node${i + 1}`).sort(),
      );
      expect(r.stderr).toMatch(/^hsm: node14: connection refused/m);
      expect(r.stderr).toMatch(/^hsm: node15: connection timed out/m);
      expect(r.stderr).toMatch(/^hsm: node16: HOST KEY MISMATCH/m);
      expect(r.stderr).toContain('hsm exec: 16 nodes: 13 ok, 3 failed (node[14-16]), 0 timed out');
    });

    it('a frozen node under -t is unreachable (no answer), not a command that timed out', () => {
      const r = exec(['-w', 'node15', '-t', '1s', '--connect-timeout', '5', '--json', 'true']);
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout);
      expect(doc.nodes[0]).toMatchObject({ node: 'node15', exit_code: null, timed_out: false });
      expect(doc.nodes[0].error).toMatch(/^connection timed out/);
      expect(doc.summary).toMatchObject({ failed: 1, timed_out: 0, unreachable: 1 });
    });
  });

  it('a link lost mid-command is reported as a lost connection within seconds, not as exit 255', async () => {
    const child = spawn(
      process.execPath,
      [HSM_BIN, 'exec', ...ssh(), '-w', 'node14', '--json', 'echo up; sleep 3035'],
      {
        cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let cutAt: number;
    const hostCtl = (action: string) => execFileSync(infra.hostCtl, [action, 'node14'], { stdio: 'inherit' });
    try {
      child.stderr!.on('data', () => undefined);
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      // --json prints at the end: wait for the remote command instead
      expect(await waitForProcess('sleep 3035')).toBe(true);
      hostCtl('link-down');
      cutAt = Date.now();
      const { code } = await waitForExit(child);
      expect(code).toBe(1);
      expect(Date.now() - cutAt).toBeLessThan(15_000);
      const [n] = JSON.parse(out).nodes;
      expect(n).toMatchObject({ exit_code: null, timed_out: false, stdout: 'up\n' });
      expect(n.error).toMatch(/^connection lost/);
    } finally {
      hostCtl('restore');
    }
  });

  it('keeps partial output of a node that times out, marks it timed_out and exits 1', async () => {
    const r = exec([
      '-w',
      'node[10-11]',
      '-t',
      '2s',
      '--json',
      'echo start; if [ "$(hostname)" = node11 ]; then sleep 3019; fi; echo end',
    ]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.nodes[0]).toMatchObject({
      node: 'node10',
      exit_code: 0,
      stdout: 'start\nend\n',
      timed_out: false,
    });
    expect(doc.nodes[1]).toMatchObject({
      node: 'node11',
      exit_code: null,
      stdout: 'start\n',
      timed_out: true,
    });
    expect(doc.summary).toMatchObject({ ok: 1, failed: 0, timed_out: 1 });
    expect(await waitForNoProcess('sleep 3019')).toBe('');
  });

  it('-b prints identical outputs once under the folded node set', () => {
    const r = exec([
      '-w',
      'node[1-4]',
      '-b',
      'echo same; if [ "$(hostname)" = node4 ]; then echo different; fi',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '---------------\nnode[1-3] (3)\n---------------\nsame\n' +
        '---------------\nnode4 (1)\n---------------\nsame\ndifferent\n',
    );
  });

  it('--stream prints one JSON line per node as it finishes, then the summary', () => {
    const r = exec(['-w', 'node[1-3],node5', '--stream', 'exit $(hostname | tr -d node)']);
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    expect(
      lines
        .slice(0, 4)
        .map((l) => [l.node, l.exit_code])
        .sort(),
    ).toEqual([
      ['node1', 1],
      ['node2', 2],
      ['node3', 3],
      ['node5', 5],
    ]);
    expect(lines[4]).toEqual({ summary: { ok: 0, failed: 4, timed_out: 0, unreachable: 0 } });
  });

  it('runs the command line as typed by the remote shell; -x excludes nodes', () => {
    const r = exec([
      '-w',
      'node[1-3]',
      '-x',
      'node2',
      '--json',
      '--',
      'printf "%s|" "$(hostname)" \'$HOME\' "a;b"',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).nodes.map((n: { stdout: string }) => n.stdout)).toEqual([
      'node1|$HOME|a;b|',
      'node3|$HOME|a;b|',
    ]);
  });

  it('--debug shows the ssh argv and the raw bytes of every node on stderr', () => {
    const r = exec(['-w', 'node2', '--debug', 'echo hi']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('node2: hi\n');
    expect(r.stderr).toMatch(/^\[debug\] argv: \["ssh",.*"BatchMode=yes".*"--","node2","sh -c /m);
    // the start-up line comes on stderr and first on stdout, where it may share a chunk with "hi"
    expect(r.stderr).toMatch(/^\[debug\] node2 < "(\\u001ehsm-pgid:\d+\\u001e\\n)?hi\\n"$/m);
    expect(r.stderr).toMatch(/\[debug\] node2 < "\\u001ehsm-pgid:\d+\\u001e\\n"/);
  });

  it('--test-node checks one node and exits 0, or 1 naming the problem', () => {
    const ok = exec(['--test-node', 'node9']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^node9 +ok /m);
    const bad = exec(['--connect-timeout', '2', '--test-node', 'no-such-node.invalid']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('unknown host name');
  });

  it('--slurm lists the nodes of a real Slurm partition', async () => {
    // a stopped slurmd (Slurm source tests, exclusive lock) would change the node list
    const lock = await acquireSlurmLock('shared');
    try {
      const r = exec(['--slurm', 'debug', '--json', 'hostname'], { SLURM_CONF: infra.slurmConf });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).nodes.map((n: { stdout: string }) => n.stdout.trim())).toEqual(
        infra.slurmNodes,
      );
      const bad = exec(['--slurm', 'nosuch', 'hostname'], { SLURM_CONF: infra.slurmConf });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('Slurm has no nodes in partition `nosuch`');
      expect(bad.stderr).toContain('Partitions: debug');
      const idle = exec(['--slurm', 'debug', '--slurm-state', 'idle,mix,alloc', '--json', 'hostname'], {
        SLURM_CONF: infra.slurmConf,
      });
      expect(idle.code, idle.stderr).toBe(0);
      expect(JSON.parse(idle.stdout).nodes.map((n: { node: string }) => n.node)).toEqual(infra.slurmNodes);
      const drained = exec(['--slurm', 'debug', '--slurm-state', 'drain', 'hostname'], {
        SLURM_CONF: infra.slurmConf,
      });
      expect(drained.code).toBe(2);
      expect(drained.stderr).toContain('Slurm has no nodes in partition `debug` in state `drain`');
    } finally {
      await lock.release();
    }
  });

  it('--hosts-file reads one node set per line with comments', () => {
    const file = join(cwd, 'hosts');
    writeFileSync(file, '# compute\nnode[1-2]   # first two\n\nnode6\n');
    const r = exec(['--hosts-file', file, '--json', 'hostname']);
    expect(JSON.parse(r.stdout).nodes.map((n: { node: string }) => n.node)).toEqual([
      'node1',
      'node2',
      'node6',
    ]);
  });

  it('-g and @group read node groups from hsm_config.yaml and name unknown groups', () => {
    const project = makeTempDir('hsm-groups-');
    writeFileSync(
      join(project, 'hsm_config.yaml'),
      'groups:\n  pair: ["node[7-8]"]\n  more: ["@pair", "node[9-10]"]\n',
    );
    const ok = hsm(['exec', ...ssh(), '-g', 'pair', '--json', 'hostname'], project);
    expect(JSON.parse(ok.stdout).nodes.map((n: { stdout: string }) => n.stdout)).toEqual([
      'node7\n',
      'node8\n',
    ]);
    const at = hsm(
      ['exec', ...ssh(), '-w', '@more&node[8-12]', '-x', 'node9', '--json', 'hostname'],
      project,
    );
    expect(at.code, at.stderr).toBe(0);
    expect(JSON.parse(at.stdout).nodes.map((n: { stdout: string }) => n.stdout)).toEqual([
      'node8\n',
      'node10\n',
    ]);
    const bad = hsm(['exec', ...ssh(), '-g', 'gpu', 'hostname'], project);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Unknown node group `gpu`');
    expect(bad.stderr).toContain('Known groups: pair');
  });

  it('the shell transport runs through a --shell-command template', () => {
    const r = exec([
      '-w',
      'node[1-2]',
      '--shell-command',
      `ssh -F ${infra.configFile} -tt {node}`,
      '--json',
      'hostname',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).nodes.map((n: { stdout: string }) => n.stdout.trim())).toEqual([
      'node1',
      'node2',
    ]);
  });

  it('Ctrl-C interrupts the remote commands and exits 130', async () => {
    const child = spawn(
      process.execPath,
      [HSM_BIN, 'exec', ...ssh(), '-w', 'node[8-9]', 'echo go; sleep 3020'],
      {
        cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let seen = 0;
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if ((seen = (out.match(/go/g) ?? []).length) === 2) child.kill('SIGINT');
    });
    const { code } = await waitForExit(child);
    expect(seen).toBe(2);
    expect(code).toBe(130);
    expect(await waitForNoProcess('sleep 3020')).toBe('');
  });
});

describe('hsm exec input errors', () => {
  beforeAll(() => ensureBuilt());

  it('points at the offending part of a malformed node set (exit 2)', () => {
    const r = hsm(['exec', '-w', 'node[5-3]', 'true'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad range `5-3` in `node[5-3]` (high before low) at column 6');
    expect(r.stderr).toContain('  | node[5-3]\n  |      ^');
  });

  it('refuses node names that would be shell syntax or ssh options', () => {
    expect(hsm(['exec', '-w', 'node1;id', 'true'], cwd).stderr).toContain('invalid character `;`');
    expect(hsm(['exec', '-w', '-oProxyCommand=x', 'true'], cwd).code).toBe(2);
  });

  it('refuses to turn host key checking off', () => {
    const r = hsm(['exec', '-w', 'node1', '--ssh-option', 'StrictHostKeyChecking=no', 'true'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('does not turn off host key checking');
  });

  it('needs nodes, and a template for the shell transport', () => {
    expect(hsm(['exec', 'true'], cwd).stderr).toContain('No nodes selected');
    const r = hsm(['exec', '-w', 'node1', '--transport', 'shell', 'true'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--transport shell needs --shell-command');
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm } from '../helpers/cli.js';
import { NO_INFRA, privateControlPath, sshInfra } from '../remote/test-infra.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// `hsm exec --script FILE` and named commands (`hsm exec @NAME` from hsm_config.yaml), end to end
// with the built CLI against the real sshd hosts of scripts/infra/up.sh (node1..node13 only:
// node14..16 are broken on purpose by another test).

interface JsonStep {
  command: string;
  exit_code: number | null;
  stdout: string;
}
interface JsonNode {
  node: string;
  exit_code: number | null;
  stdout: string;
  steps?: JsonStep[];
}

describe.skipIf(NO_INFRA)('hsm exec --script and named commands on real hosts', () => {
  const infra = NO_INFRA ? null! : sshInfra();
  const ssh = () => ['--ssh-config', infra.configFile, '--ssh-option', `ControlPath=${privateControlPath()}`];
  const dir = makeTempDir('hsm-exec-script-');
  const script = join(dir, 'check.sh');
  // node3 fails the second command: it must not run the third; the others run all three.
  // $SSH_CONNECTION names the TCP connection: the same on every line = the same session.
  writeFileSync(
    script,
    [
      '# a comment, then a blank line',
      '',
      'echo "one $SSH_CONNECTION"',
      'test "$(hostname)" != node3',
      'echo "three $SSH_CONNECTION"',
      '',
    ].join('\n'),
  );

  beforeAll(() => ensureBuilt());

  const sameConnection = (stdout: string) => {
    const [one, three] = stdout.trim().split('\n');
    expect(one!.replace(/^one /, '')).toBe(three!.replace(/^three /, ''));
  };

  it.each([
    ['ssh', []],
    ['shell', ['--shell-command', 'ssh -F {ssh_config} -tt {node}']],
  ])('--script runs the commands in order in one session per node (%s transport)', (_kind, extra) => {
    const args = extra.map((a) => a.replace('{ssh_config}', infra.configFile));
    const r = hsm(['exec', ...ssh(), ...args, '-w', 'node[1-4]', '--script', script, '--json'], dir);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as { nodes: JsonNode[]; summary: Record<string, number> };
    expect(doc.summary).toMatchObject({ ok: 3, failed: 1, timed_out: 0 });
    const byNode = new Map(doc.nodes.map((n) => [n.node, n]));
    for (const name of ['node1', 'node2', 'node4']) {
      const n = byNode.get(name)!;
      expect(n.exit_code).toBe(0);
      expect(n.steps!.map((s) => [s.command.split(' ')[0], s.exit_code])).toEqual([
        ['echo', 0],
        ['test', 0],
        ['echo', 0],
      ]);
      expect(n.stdout).toMatch(/^one \S+ \d+ \S+ \d+\r?\nthree /);
      sameConnection(n.stdout.replace(/\r/g, ''));
    }
    const stopped = byNode.get('node3')!;
    expect(stopped.exit_code).toBe(1);
    expect(stopped.steps!.map((s) => s.exit_code)).toEqual([0, 1]);
    expect(stopped.stdout).not.toContain('three');
  });

  it('says where a node stopped, and exits 0 when every node ran every command', () => {
    const r = hsm(['exec', ...ssh(), '-w', 'node[2-3]', '--script', script], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^node3: one /m);
    expect(r.stdout).not.toMatch(/^node3: three/m);
    expect(r.stdout).toMatch(/^node2: three /m);
    expect(r.stderr).toContain('hsm: node3: stopped at command 2 (test "$(hostname)" != node3): exit code 1');
    expect(r.stderr).toContain('2 nodes: 1 ok, 1 failed (node3)');
    const ok = hsm(['exec', ...ssh(), '-w', 'node[5-6]', '--script', script, '--debug'], dir);
    expect(ok.code, ok.stderr).toBe(0);
    // --debug shows the argv of the first command, not of a label
    expect(ok.stderr).toMatch(/^\[debug\] argv: \[.*echo \\"one /m);
  });

  it('runs named commands of hsm_config.yaml with their nodes, which -w overrides', () => {
    const project = makeTempDir('hsm-named-');
    writeFileSync(
      join(project, 'hsm_config.yaml'),
      [
        'groups:',
        '  pair: ["node[7-8]"]',
        'commands:',
        '  up: {nodes: "@pair", run: "echo up on $(hostname)"}',
        '  check:',
        '    nodes: node[9-10]',
        '    run: [hostname, "exit 3", "echo never"]',
        '  slow: {nodes: node12, run: ["sleep 600", "echo never"], timeout: 5s}',
        '',
      ].join('\n'),
    );
    const up = hsm(['exec', ...ssh(), '@up', '--json'], project);
    expect(up.code, up.stderr).toBe(0);
    expect((JSON.parse(up.stdout).nodes as JsonNode[]).map((n) => n.stdout)).toEqual([
      'up on node7\n',
      'up on node8\n',
    ]);
    const here = hsm(['exec', ...ssh(), '-w', 'node11', '@up'], project);
    expect(here.stdout).toBe('node11: up on node11\n');
    const check = hsm(['exec', ...ssh(), '@check', '--json'], project);
    expect(check.code).toBe(1);
    const nodes = JSON.parse(check.stdout).nodes as JsonNode[];
    expect(nodes.map((n) => [n.node, n.exit_code, n.stdout, n.steps!.length])).toEqual([
      ['node9', 3, 'node9\n', 2],
      ['node10', 3, 'node10\n', 2],
    ]);
    // the command's timeout applies (generous: connecting under load must fit in it); the node
    // stops there; --stream lines carry the steps too
    const slow = hsm(['exec', ...ssh(), '@slow', '--stream'], project);
    expect(slow.code).toBe(1);
    const [line, summary] = slow.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(line).toMatchObject({ node: 'node12', timed_out: true });
    expect(line.steps.map((s: JsonStep & { timed_out: boolean }) => [s.command, s.timed_out])).toEqual([
      ['sleep 600', true],
    ]);
    expect(summary).toEqual({ summary: { ok: 0, failed: 0, timed_out: 1, unreachable: 0 } });
    const unknown = hsm(['exec', ...ssh(), '@nope'], project);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command @nope');
    expect(unknown.stderr).toContain('Known commands: @up, @check, @slow');
    const extra = hsm(['exec', ...ssh(), '@up', 'now'], project);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('The named command @up takes no further words');
  });
});

describe('hsm exec --script input errors', () => {
  beforeAll(() => ensureBuilt());
  const dir = makeTempDir('hsm-script-errors-');

  it('refuses a missing or empty script, and a script with a command (exit 2)', () => {
    const missing = hsm(['exec', '-w', 'node1', '--script', join(dir, 'nope.sh')], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Cannot read the script');
    writeFileSync(join(dir, 'empty.sh'), '# nothing\n\n');
    const empty = hsm(['exec', '-w', 'node1', '--script', join(dir, 'empty.sh')], dir);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('has no command');
    const both = hsm(['exec', '-w', 'node1', '--script', join(dir, 'empty.sh'), 'uptime'], dir);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('cannot be combined');
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, makeProject } from '../../helpers/cli.js';

// A `type: ssm` source that cannot work is refused when hsm_config.yaml is read, at its line, with
// the fix: never a run that fails later on every node.

beforeAll(() => ensureBuilt());

describe('ssm source configuration', () => {
  it('missing or doubled node fields, a bad node set, a template without {node}, a bad hyperpod mapping: exit 2 with file:line and the fix', () => {
    const dir = makeProject(
      'command: ["true"]\nargs: none\nsweep:\n  grid:\n    i: [1]\n',
      [
        'sources:',
        '  a: {type: ssm, workdir: x}',
        '  b: {type: ssm, nodes: "n1", hyperpod: {cluster: c}}',
        '  c: {type: ssm, nodes: "n[1-3]", shell_command: "ssh -tt host"}',
        '  d: {type: ssm, hyperpod: {clusterx: c}}',
        '  e: {type: ssm, nodes: "n[1-"}',
        '  f: {type: ssm, nodes: "n1", session_rate: -1}',
        '',
      ].join('\n'),
    );
    const r = hsm(['validate'], dir);
    expect(r.code).toBe(2);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/hsm_config\.yaml:2:3: error: source `a` \(ssm\) has neither `nodes` nor `hyperpod`/);
    expect(out).toMatch(/hsm_config\.yaml:3:3: error: source `b` \(ssm\) has both `nodes` and `hyperpod`/);
    expect(out).toMatch(
      /hsm_config\.yaml:4:3: error: source `c` \(ssm\) `shell_command` `ssh -tt host` names no node/,
    );
    expect(out).toMatch(/Put \{node\}/);
    expect(out).toMatch(
      /hsm_config\.yaml:5:3: error: source `d` \(ssm\) `hyperpod` must be a mapping with `cluster`/,
    );
    expect(out).toMatch(/hsm_config\.yaml:6:3: error: source `e` \(ssm\) `nodes`: Invalid node set/);
    expect(out).toMatch(
      /hsm_config\.yaml:7:\d+: error: source `f`: `session_rate` must be a positive number/,
    );
    expect(out).not.toMatch(/at .*\.js:\d+/);
  });

  it('a run on a good ssm source whose shell command is not installed says so before any sweep exists', () => {
    const dir = makeProject(
      'command: ["true"]\nargs: none\nsweep:\n  grid:\n    i: [1]\n',
      'sources:\n  hp: {type: ssm, nodes: [i-0abc1234def567890], shell_command: "no-such-shell-hsm {target}"}\n',
    );
    const r = hsm(['run', '--source', 'hp'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Source `hp`: its shell command `no-such-shell-hsm` was not found on PATH/);
    expect(existsSync(join(dir, 'sweeps', 'outputs'))).toBe(false);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

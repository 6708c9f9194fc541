import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, makeProject } from '../helpers/cli.js';
import { NO_INFRA } from '../remote/test-infra.js';
import { PTY_ONLY } from '../compute/ssm/ssm-project.js';

// `hsm run --cmd '...'`: one run without a sweep file, as a sweep of one task with the layout,
// status and logs of every sweep, on any source; the words after it can only be overrides.

const TRAIN = `import os, sys\nprint('argv', sys.argv[1:], 'script', sys.argv[0], 'cwd', os.getcwd())\n`;

beforeAll(() => ensureBuilt());

function project(extraConfig = ''): string {
  const dir = makeProject('command: ["false"]\n', `defaults:\n  output_dir: sweeps/outputs\n${extraConfig}`);
  mkdirSync(join(dir, 'training'));
  writeFileSync(join(dir, 'training', 'train.py'), TRAIN);
  return dir;
}

function onlySweep(dir: string): string {
  const ids = readdirSync(join(dir, 'sweeps/outputs')).filter((n) => !n.startsWith('.'));
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

describe('hsm run --cmd', () => {
  it('locally: a sweep of one task named after the script, argv as given (quotes group words), status and logs as for any sweep', () => {
    const dir = project();
    const dry = hsm(['run', '--dry-run', '--cmd', 'python3 training/train.py lr=0.1'], dir);
    expect(dry.stdout).toContain('dry run: 1 task would run on local');
    const r = hsm(['run', '--cmd', `python3 training/train.py lr=0.1 'name=two words'`], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/: 1 task -> /);
    const id = onlySweep(dir);
    expect(id).toMatch(/^train_\d{8}_\d{6}$/);
    const status = JSON.parse(hsm(['status', id, '--json'], dir).stdout) as {
      counts: Record<string, number>;
      tasks: { name: string }[];
    };
    expect(status.counts.completed).toBe(1);
    const logs = hsm(['logs', id, status.tasks[0]!.name], dir);
    expect(logs.stdout).toBe(`argv ['lr=0.1', 'name=two words'] script training/train.py cwd ${dir}\n`);
  });

  it('overrides after -- add axes; a word that is not an override (an unquoted command) is refused with the fix, nothing created', () => {
    const dir = project();
    const r = hsm(['run', '--cmd', 'python3 training/train.py', '--', 'seed=1,2'], dir);
    expect(r.code, r.stderr).toBe(0);
    const id = onlySweep(dir);
    const out = readdirSync(join(dir, 'sweeps/outputs', id, 'tasks'))
      .map((t) => readFileSync(join(dir, 'sweeps/outputs', id, 'tasks', t, 'stdout.log'), 'utf8'))
      .sort();
    expect(out).toEqual([
      `argv ['seed=1'] script training/train.py cwd ${dir}\n`,
      `argv ['seed=2'] script training/train.py cwd ${dir}\n`,
    ]);
    const bad = project();
    const b = hsm(['run', '--cmd', 'python3', 'training/train.py'], bad);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(
      /with --cmd, the words after the options are overrides.*`training\/train.py` is not one/,
    );
    expect(b.stderr).toMatch(/quote the whole command/);
    const u = hsm(['run', '--cmd', `python3 'unclosed`], bad);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--cmd/);
    expect(u.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(existsSync(join(bad, 'sweeps/outputs'))).toBe(false);
  });

  it.skipIf(NO_INFRA)(
    'on a session source: the project pushed, the task run on the node from the synced root, its directory back here',
    () => {
      const dir = project(
        `sources:\n  pty: {type: ssm, nodes: node22, shell_command: ${JSON.stringify(`${PTY_ONLY} {node}`)}, workdir: hsm-ssm/cmd-${Date.now()}, setup: "echo setup-ran"}\n`,
      );
      // --dry-run: the files a push would send, the setup that would run, the exact command; nothing moves
      const dry = hsm(
        ['run', '--source', 'pty', '--sync', '--dry-run', '--cmd', 'python3 training/train.py lr=0.1'],
        dir,
      );
      expect(dry.code, dry.stderr).toBe(0);
      // counted in words: `1 change`, `3 changes`
      const pushed = /source pty, node node22: (\d+) (changes?) would be pushed/.exec(dry.stdout);
      expect(pushed, dry.stdout).not.toBeNull();
      expect(pushed![2]).toBe(pushed![1] === '1' ? 'change' : 'changes');
      expect(dry.stdout).toMatch(/send +\d+ B {2}training\/train\.py/);
      expect(dry.stdout).toMatch(/setup would run: echo setup-ran/);
      expect(dry.stdout).toContain('cd hsm-ssm/cmd-');
      expect(dry.stdout).toContain('&& python3 training/train.py lr=0.1');
      expect(existsSync(join(dir, 'sweeps/outputs'))).toBe(false);
      const r = hsm(['run', '--source', 'pty', '--sync', '--cmd', 'python3 training/train.py lr=0.1'], dir);
      expect(r.code, r.stderr).toBe(0);
      const id = onlySweep(dir);
      const status = JSON.parse(hsm(['status', id, '--json'], dir).stdout) as {
        tasks: { name: string; host: string; status: string }[];
      };
      expect(status.tasks).toHaveLength(1);
      expect(status.tasks[0]).toMatchObject({ host: 'node22', status: 'completed' });
      expect(hsm(['logs', id, status.tasks[0]!.name], dir).stdout).toMatch(
        /^argv \['lr=0\.1'\] script training\/train\.py cwd \/home\/hsmtest\/hsm-ssm\/cmd-\d+\n$/,
      );
    },
  );
});

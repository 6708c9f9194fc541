import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// A sweep whose tasks fail for real, one way per `mode` (test/fixtures/failures/fail.sh), two seeds
// each: `hsm errors` must name every cause, with the mode the group's tasks share, the evidence line,
// the logs/errors files, and the command that runs just those tasks again.

const FIXTURE = resolve(__dirname, '../fixtures/failures/fail.sh');
const MODES: [mode: string, category: string, evidence: RegExp][] = [
  ['oom', 'oom', /SIGKILL|MemoryError/],
  ['segfault', 'segfault', /SIGSEGV/],
  ['raise', 'python_exception', /^ValueError: learning rate 0.5 is too large$/],
  ['missing_module', 'missing_module', /^ModuleNotFoundError: No module named 'hsm_no_such_module'$/],
  ['missing_file', 'missing_file', /No such file or directory: '\/nonexistent\/hsm-data\/train.csv'/],
  ['disk_full', 'disk_full', /No space left on device/],
  ['command_not_found', 'command_not_found', /hsm-no-such-tool: not found/],
  ['permission_denied', 'permission_denied', /tool.sh: Permission denied/],
  ['unknown', 'unknown', /^worker \d+ lost sync at 0x[0-9a-f]+ after \d+ steps$/],
  ['timeout', 'timeout', /timed out after 8s/],
];

// A 1 MB tmpfs to fill (root); elsewhere /dev/full, which fails every write with ENOSPC just the same.
let fullDir = '/dev/full';
let mounted = false;

beforeAll(() => {
  ensureBuilt();
  const dir = makeTempDir('hsm-full-');
  mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status === 0;
  if (mounted) fullDir = dir;
});

afterAll(() => {
  if (mounted) spawnSync('umount', [fullDir]);
  // memory cgroups the oom tasks made (a cgroup is removed once its processes are gone)
  const mine = readFileSync('/proc/self/cgroup', 'utf8').match(/:memory:(.*)/)?.[1];
  if (mine === undefined) return;
  const parent = `/sys/fs/cgroup/memory${mine === '/' ? '' : mine}`;
  try {
    for (const d of readdirSync(parent)) if (d.startsWith('hsm-test-oom-')) rmdirSync(join(parent, d));
  } catch {
    /* no cgroup v1 memory controller here: the fixture used ulimit -v */
  }
});

interface Group {
  category: string;
  title: string;
  count: number;
  tasks: string[];
  hint: string;
  evidence: string;
  shared: Record<string, unknown>;
  correlations: { kind: string; name: string; value: unknown; share: number }[];
}

describe('hsm errors on a sweep that fails in every way this machine can produce', () => {
  let dir: string;
  let sweepId: string;
  let report: { failed: number; counts: Record<string, number>; groups: Group[]; rerun: string };

  beforeAll(() => {
    dir = makeProject(`name: failures
command: ["sh", "${FIXTURE}", "{mode}", "${fullDir}"]
args: none
sweep:
  grid:
    mode: [ok, ${MODES.map(([m]) => m).join(', ')}]
    seed: [1, 2]
`);
    const run = hsm(['run', '--jobs', '4', '--timeout', '8s', '--json'], dir);
    expect(run.code, run.stderr).toBe(1);
    sweepId = (JSON.parse(run.stdout) as { sweep_id: string }).sweep_id;
    const errors = hsm(['errors', '--json'], dir);
    expect(errors.code, errors.stderr).toBe(0);
    report = JSON.parse(errors.stdout) as typeof report;
  }, 120_000);

  it('names each cause, with the mode all of its tasks share and the evidence line', () => {
    expect(report.failed).toBe(MODES.length * 2);
    expect(report.groups.map((g) => g.category).sort()).toEqual(MODES.map(([, c]) => c).sort());
    for (const [mode, category, evidence] of MODES) {
      const g = report.groups.find((x) => x.category === category)!;
      expect(g.count, category).toBe(2);
      expect(g.shared, category).toEqual({ mode });
      expect(g.evidence, category).toMatch(evidence);
      expect(g.hint.length).toBeGreaterThan(20);
    }
  });

  it('prints the groups for people: count, cause, shared value, evidence, hint, tasks and rerun command', () => {
    const r = hsm(['errors', sweepId], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${MODES.length * 2} of ${MODES.length * 2 + 2} tasks did not complete`);
    expect(r.stdout).toMatch(
      /2 tasks: missing Python module, all with mode=missing_module\n {2}ModuleNotFoundError: No module named 'hsm_no_such_module'\n {2}hint: install the module/,
    );
    expect(r.stdout).toMatch(
      /2 tasks: unrecognised failure, all with mode=unknown\n {2}worker \d+ lost sync/,
    );
    expect(r.stdout).toContain(`run every one of them again: hsm complete ${sweepId} --retry-failed`);
  });

  it('wrote logs/errors/failed_tasks.yaml as the attempts failed, and error_patterns.yaml', () => {
    const errorsDir = join(dir, 'sweeps', 'outputs', sweepId, 'logs', 'errors');
    const failed = parse(readFileSync(join(errorsDir, 'failed_tasks.yaml'), 'utf8')) as {
      task: string;
      category: string;
      params: { mode: string };
    }[];
    expect(failed).toHaveLength(MODES.length * 2);
    for (const f of failed) expect(f.category).toBe(MODES.find(([m]) => m === f.params.mode)![1]);
    const patterns = parse(readFileSync(join(errorsDir, 'error_patterns.yaml'), 'utf8')) as {
      failed: number;
      groups: Group[];
    };
    expect(patterns.failed).toBe(MODES.length * 2);
    expect(patterns.groups.map((g) => [g.category, g.count, g.shared])).toEqual(
      report.groups.map((g) => [g.category, g.count, g.shared]),
    );
  });

  it('--rerun prints the command for just one cause, and --run runs just those tasks again', () => {
    const group = report.groups.find((g) => g.category === 'unknown')!;
    const printed = hsm(['errors', sweepId, '--category', 'unknown', '--rerun'], dir);
    expect(printed.stdout.trim()).toMatch(
      new RegExp(`^hsm complete ${sweepId} --tasks 'task_\\[\\d+-\\d+\\]'$`),
    );
    const run = hsm(['errors', sweepId, '--category', 'unknown', '--rerun', '--run'], dir);
    expect(run.code, run.stderr).toBe(1); // they fail again
    const st = hsm(['status', sweepId, '--json'], dir);
    expect(st.code, st.stderr).toBe(0);
    const status = JSON.parse(st.stdout) as {
      tasks: { name: string; attempts: number }[];
    };
    for (const t of status.tasks) expect(t.attempts, t.name).toBe(group.tasks.includes(t.name) ? 2 : 1);
    const bad = hsm(['errors', sweepId, '--category', 'oops'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown failure category "oops"');
  }, 60_000);
});

describe('logs/errors while the sweep runs', () => {
  it('a failure is in failed_tasks.yaml and error_patterns.yaml before the sweep ends', async () => {
    const dir = makeProject(`name: live
command: ["sh", "-c", "if [ {i} = 1 ]; then echo 'ModuleNotFoundError: No module named wandb' >&2; exit 1; fi; while [ ! -e go ]; do sleep 0.05; done"]
args: none
sweep:
  grid:
    i: [1, 2]
`);
    const child = hsmAsync(['run', '--jobs', '2', '--sweep-id', 'live_1'], dir);
    const errorsDir = join(dir, 'sweeps', 'outputs', 'live_1', 'logs', 'errors');
    const read = (f: string) =>
      existsSync(join(errorsDir, f)) ? readFileSync(join(errorsDir, f), 'utf8') : '';
    try {
      // waits for the condition (task_002 keeps the sweep running until \`go\` exists)
      await until(
        'the missing module in error_patterns.yaml',
        () => /category: "missing_module"/.test(read('error_patterns.yaml')),
        60_000,
        100,
      );
      expect(existsSync(join(dir, 'go'))).toBe(false);
      expect(parse(read('failed_tasks.yaml'))).toEqual([
        expect.objectContaining({ task: 'task_001', category: 'missing_module' }),
      ]);
      expect(parse(read('error_patterns.yaml'))).toMatchObject({
        failed: 1,
        groups: [{ category: 'missing_module', tasks: ['task_001'] }],
      });
    } finally {
      writeFileSync(join(dir, 'go'), '');
    }
    expect((await waitForExit(child)).code).toBe(1);
  }, 90_000);
});

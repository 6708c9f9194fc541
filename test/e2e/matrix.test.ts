import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm } from '../helpers/cli.js';
import { isProcessAlive } from '../../src/process/process-liveness.js';

// `hsm matrix` on the local source with the example of examples/matrix: every verdict, termination
// reason and restart count right; `kill` mid-run leaves nothing running; `check --failed --relaunch`
// runs exactly the failed jobs again; the git state check.

beforeAll(() => ensureBuilt());

const EXAMPLE = resolve(__dirname, '../../examples/matrix');

interface Job {
  name: string;
  status: string;
  verdict: string;
  termination_reason: string | null;
  exit_code: number | null;
  restarts: number | null;
  job_id: string | null;
  duration_ms: number | null;
  sweep_id: string;
  task: string;
  attempts: number;
  launches: number;
  why: string | null;
  logs: string;
}
interface Check {
  id: string;
  jobs: Job[];
  summary: Record<string, number>;
}

const git = (cwd: string, ...args: string[]) => {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

// The example copied into a git repository whose HEAD is pushed to a bare remote: the state the
// git check accepts without --allow-dirty.
function makeExampleProject(extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'hsm-matrix-'));
  const work = join(dir, 'proj');
  cpSync(EXAMPLE, work, { recursive: true, filter: (src) => !src.includes('/sweeps') });
  writeFileSync(join(work, '.gitignore'), 'sweeps/outputs/\n__pycache__/\n');
  for (const [file, text] of Object.entries(extra)) writeFileSync(join(work, file), text);
  git(dir, 'init', '-q', '--bare', 'origin.git');
  git(work, 'init', '-q', '-b', 'main');
  git(work, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'empty');
  git(work, 'add', '-A');
  git(work, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'example');
  git(work, 'remote', 'add', 'origin', join(dir, 'origin.git'));
  git(work, 'push', '-q', '-u', 'origin', 'main');
  return work;
}

const parse = (r: { stdout: string; stderr: string }) => {
  try {
    return JSON.parse(r.stdout) as Check;
  } catch {
    throw new Error(`not JSON: ${r.stdout}\n${r.stderr}`);
  }
};

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('hsm matrix on the local source', () => {
  it('runs the example matrix: every verdict, reason, exit code and restart count right', () => {
    const dir = makeExampleProject();
    const r = hsm(['matrix', 'launch', 'release.yaml', '--wait', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const check = parse(r);
    const expected: Record<string, [string, number | null, number]> = {
      normal: ['job_completed', 0, 0],
      heartbeat_timeout: ['heartbeat_timeout', 1, 0],
      runtime_timeout: ['max_runtime_reached', 0, 0],
      command_fails: ['failed', 2, 0],
      restart: ['job_completed', 0, 2],
      walltime: ['timeout', null, 0],
    };
    expect(check.jobs.map((j) => j.name)).toEqual(
      ['small', 'large'].flatMap((recipe) => Object.keys(expected).map((c) => `${recipe}_${c}`)),
    );
    for (const job of check.jobs) {
      const [reason, exit, restarts] = expected[job.name.replace(/^(small|large)_/, '')]!;
      expect(job, job.name).toMatchObject({
        verdict: 'pass',
        termination_reason: reason,
        exit_code: exit,
        restarts,
        attempts: 1,
      });
      expect(job.job_id, job.name).toMatch(/^\d+$/);
      expect(job.duration_ms!, job.name).toBeGreaterThan(0);
      expect(existsSync(job.logs), job.name).toBe(true);
    }
    expect(check.summary).toMatchObject({ total: 12, pass: 12, fail: 0, running: 0, pending: 0 });

    // from any later shell: another directory of the project, the latest matrix, a plain table
    const table = hsm(['matrix', 'check'], join(dir, 'sweeps'));
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).not.toContain('\x1b[');
    expect(table.stdout).toMatch(/^recipe=small$/m);
    expect(table.stdout).toMatch(/^ {2}small_restart +pass +job_completed +0 +2 /m);
    expect(table.stdout).toMatch(/^ {2}large_walltime +pass +timeout +- +0 /m);
    expect(table.stdout.trimEnd().split('\n').at(-1)).toBe('12 jobs: 12 pass, 0 fail, 0 running, 0 pending');

    const logs = hsm(['matrix', 'check', check.id, '--logs', 'small_heartbeat_timeout'], dir);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('[SUMMARY] exit_code=1 reason=heartbeat_timeout restarts=0');
    expect(logs.stdout).toContain('watchdog: no heartbeat');
  });

  it('--ci launches the CI subset; check --failed --relaunch runs exactly the failed jobs again', async () => {
    // `flaky` fails until the file `fixed` exists; `broken` expects what it never does
    const dir = makeExampleProject({
      'ci.yaml': `name: ci
command: [sh, -c, 'case "$0" in ok) ;; flaky) test -e fixed || exit 3;; broken) ;; esac; echo "[SUMMARY] exit_code=0 reason=job_completed"', '{case}']
axes:
  case:
    ok: {expect: {reason: job_completed}}
    flaky: {expect: {exit_code: 0}}
    broken: {expect: {reason: heartbeat_timeout}}
    slow: {ci: false}
`,
    });
    const first = hsm(['matrix', 'launch', 'ci.yaml', '--ci', '--wait', '--json'], dir);
    expect(first.code, first.stderr).toBe(1);
    const before = parse(first);
    expect(before.jobs.map((j) => [j.name, j.verdict, j.why])).toEqual([
      ['ok', 'pass', null],
      ['flaky', 'fail', 'exit code 3, expected 0'],
      ['broken', 'fail', 'ended by job_completed, expected heartbeat_timeout'],
    ]);
    const failed = hsm(['matrix', 'check', before.id, '--failed'], dir);
    expect(failed.code).toBe(1);
    expect(failed.stdout).not.toMatch(/^ {2}ok /m);
    expect(failed.stdout).toContain('2 failed of 3 jobs');

    writeFileSync(join(dir, 'fixed'), '');
    const re = hsm(['matrix', 'check', before.id, '--failed', '--relaunch', '--json'], dir);
    expect(re.code, re.stderr).toBe(0);
    expect((JSON.parse(re.stdout) as { relaunched: string[] }).relaunched).toEqual(['flaky', 'broken']);
    let after = before;
    await until('the relaunched jobs to end', () => {
      after = parse(hsm(['matrix', 'check', before.id, '--json'], dir));
      return after.summary.running! + after.summary.pending! === 0;
    });
    const byName = (c: Check, n: string) => c.jobs.find((j) => j.name === n)!;
    // the job that passed was not run again: same sweep, task and single attempt
    expect(byName(after, 'ok')).toMatchObject({ ...pick(byName(before, 'ok')), launches: 1, attempts: 1 });
    expect(byName(after, 'flaky')).toMatchObject({ verdict: 'pass', launches: 2, attempts: 1 });
    expect(byName(after, 'flaky').sweep_id).not.toBe(byName(before, 'flaky').sweep_id);
    expect(byName(after, 'broken')).toMatchObject({ verdict: 'fail', launches: 2 });
  });

  it('kill stops every job mid-run and leaves no process behind', async () => {
    const dir = makeExampleProject();
    const token = `hang-${basename(dir)}-${process.pid}`;
    writeFileSync(
      join(dir, 'hang.yaml'),
      `name: hang\ncommand: python3 endings.py --end hang --recipe {recipe}\naxes:\n  recipe: [${token}-1, ${token}-2, ${token}-3]\n`,
    );
    const launched = hsm(['matrix', 'launch', 'hang.yaml', '--allow-dirty', '--json'], dir);
    expect(launched.code, launched.stderr).toBe(0);
    const id = (JSON.parse(launched.stdout) as { id: string }).id;
    let running: Check = { id, jobs: [], summary: {} };
    await until('every job to run', () => {
      running = parse(hsm(['matrix', 'check', id, '--json'], dir));
      return running.jobs.every((j) => j.status === 'running' && j.job_id !== null);
    });
    expect(running.jobs.map((j) => j.verdict)).toEqual(['running', 'running', 'running']);
    expect(pgrep(token).length).toBe(3);

    const killed = hsm(['matrix', 'kill', id, '--json'], dir);
    expect(killed.code, killed.stderr).toBe(0);
    expect((JSON.parse(killed.stdout) as { stopped: string[] }).stopped).toHaveLength(3);
    // when kill returns, nothing of the matrix runs: no job process, no hsm process running it
    expect(pgrep(token)).toEqual([]);
    expect(running.jobs.map((j) => Number(j.job_id)).filter(isProcessAlive)).toEqual([]);
    expect(pgrep(join(dir, 'sweeps', 'outputs'))).toEqual([]);
    const after = parse(hsm(['matrix', 'check', id, '--json'], dir));
    expect(after.jobs.map((j) => [j.status, j.verdict, j.termination_reason])).toEqual(
      Array(3).fill(['cancelled', 'fail', 'cancelled']),
    );
  });

  it('refuses uncommitted or unpushed work unless --allow-dirty, and an invalid matrix file at file:line:col', () => {
    const dir = makeExampleProject();
    writeFileSync(join(dir, 'endings.py'), '# edited\n', { flag: 'a' });
    const dirty = hsm(['matrix', 'launch', 'release.yaml'], dir);
    expect(dirty.code).toBe(2);
    expect(dirty.stderr).toContain('uncommitted changes (1 file(s))');
    expect(dirty.stderr).toContain('endings.py');
    git(dir, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'edit');
    const unpushed = hsm(['matrix', 'launch', 'release.yaml'], dir);
    expect(unpushed.code).toBe(2);
    expect(unpushed.stderr).toMatch(/commit [0-9a-f]{12} is not pushed to origin\/main/);
    expect(hsm(['matrix', 'check'], dir).stderr).toContain('no matrices');

    writeFileSync(
      join(dir, 'bad.yaml'),
      'command: x {recip}\naxes:\n  recipe: [a]\n  c: {n: {expect: {exit_code: x}}}\n',
    );
    const bad = hsm(['matrix', 'launch', 'bad.yaml', '--allow-dirty'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("bad.yaml:1:10: error: the command's placeholder `{recip}` names no axis");
    expect(bad.stderr).toContain('bad.yaml:4:31: error: `expect.exit_code` must be an integer 0..255');
    writeFileSync(join(dir, 'endings.py'), '# edited again\n', { flag: 'a' });
    writeFileSync(
      join(dir, 'one.yaml'),
      'command: [python3, endings.py, --end, "{end}"]\naxes: {end: [normal]}\n',
    );
    const allowed = hsm(['matrix', 'launch', 'one.yaml', '--allow-dirty', '--wait', '--json'], dir);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({
      git: { dirty: true, dirty_files: ['endings.py'], pushed: false },
      summary: { pass: 1 },
    });
    writeFileSync(join(dir, 'nodes.yaml'), 'command: x\naxes:\n  nodes: {values: [2], resource: nodes}\n');
    const nodes = hsm(['matrix', 'launch', 'nodes.yaml', '--allow-dirty'], dir);
    expect(nodes.code).toBe(2);
    expect(nodes.stderr).toContain(
      'job 2 asks source "local" (type local) for `nodes`, which a local source does not take',
    );
  });
});

function pick(j: Job) {
  return { sweep_id: j.sweep_id, task: j.task, verdict: j.verdict, job_id: j.job_id };
}

function pgrep(pattern: string): number[] {
  const r = spawnSync('pgrep', ['-f', '--', pattern], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((p) => p !== process.pid);
}

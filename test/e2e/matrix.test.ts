import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, waitForExit } from '../helpers/cli.js';
import { liveLockOwner } from '../../src/state/sweep-lock.js';
import { makeExampleProject, parse, pgrep, until, type Check, type Job } from '../helpers/matrix-project.js';

// `hsm matrix` on the local source with the example of examples/matrix: every verdict, termination
// reason and restart count right; `check --failed --relaunch` runs exactly the failed jobs again.

beforeAll(() => ensureBuilt());

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
    // `flaky` fails until the file `fixed` exists; `broken` expects what it never does; `requeued`
    // fails its first attempt and has retries
    const dir = makeExampleProject({
      'ci.yaml': `name: ci
command: [sh, -c, 'case "$0" in ok) ;; flaky) test -e fixed || exit 3;; requeued) test $HSM_ATTEMPT -ge 2 || exit 1;; broken) ;; esac; echo "[SUMMARY] exit_code=0 reason=job_completed"', '{case}']
axes:
  case:
    ok: {expect: {reason: job_completed}}
    flaky: {expect: {exit_code: 0}}
    requeued: {retries: 2, expect: {exit_code: 0}}
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
      ['requeued', 'pass', null],
      ['broken', 'fail', 'ended by job_completed, expected heartbeat_timeout'],
    ]);
    const failed = hsm(['matrix', 'check', before.id, '--failed'], dir);
    expect(failed.code).toBe(1);
    expect(failed.stdout).not.toMatch(/^ {2}ok /m);
    expect(failed.stdout).toContain('2 failed of 4 jobs');
    // failed once, run again by hsm (retries: 2): one restart, from its attempts
    expect(before.jobs.find((j) => j.name === 'requeued')).toMatchObject({ attempts: 2, restarts: 1 });

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

  it('--wait stops (exit 3) with what to do when the hsm process running the jobs dies', async () => {
    const dir = makeExampleProject();
    const token = `orphan-${basename(dir)}-${process.pid}`;
    writeFileSync(
      join(dir, 'one.yaml'),
      `name: one\ncommand: python3 endings.py --end hang --recipe {r}\naxes: {r: [${token}]}\n`,
    );
    const waiting = hsmAsync(['matrix', 'launch', 'one.yaml', '--allow-dirty', '--wait'], dir);
    let stderr = '';
    waiting.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const outputs = join(dir, 'sweeps', 'outputs');
    let lock = '';
    await until('the job to run', () => {
      const sweep = existsSync(outputs) ? readdirSync(outputs).find((d) => d.startsWith('one_')) : undefined;
      lock = sweep ? join(outputs, sweep, 'sweep.lock') : '';
      return lock !== '' && liveLockOwner(lock) !== null && pgrep(token).length === 1;
    });
    process.kill(liveLockOwner(lock)!, 'SIGKILL');
    const { code } = await waitForExit(waiting);
    expect(code, stderr).toBe(3);
    expect(stderr).toMatch(/no hsm process runs sweep one_\S+ any more, and some of its jobs have not ended/);
    expect(stderr).toContain('hint: take them back with `hsm complete one_');
    expect(hsm(['matrix', 'kill', 'one'], dir).code).toBe(0);
    expect(pgrep(token)).toEqual([]);
  });
});

function pick(j: Job) {
  return { sweep_id: j.sweep_id, task: j.task, verdict: j.verdict, job_id: j.job_id };
}

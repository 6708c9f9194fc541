import { spawn as spawnPty } from 'node-pty';
import { beforeAll, describe, expect, it } from 'vitest';
import { HSM_BIN, ensureBuilt, waitForExit } from '../../helpers/cli.js';
import { useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import {
  completeThroughGate,
  countingShims,
  gatedProject,
  hsmChild,
  jobsInQueue,
  queueEmptied,
  runsLog,
  scancels,
  slurmEnv,
  statusJson,
  waitUntil,
  whenAllSubmitted,
} from './slurm-helpers.js';

// Ctrl-C while Slurm holds a sweep's tasks: on a terminal hsm asks whether to cancel them or leave
// them running; without a terminal it does what --on-interrupt says (cancel by default) and never
// waits for an answer. Each task waits for a `gate` file in the project, so the test decides when
// the jobs end: they are in Slurm's queue when the interrupt comes. runs.log lists each start.

/** `hsm run` on a pseudo-terminal: its output so far, keys typed, its exit. */
function runOnTerminal(dir: string, args: string[], env: NodeJS.ProcessEnv) {
  const term = spawnPty(process.execPath, [HSM_BIN, ...args], {
    cwd: dir,
    cols: 160,
    rows: 40,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm', NO_COLOR: '1', ...env } as Record<
      string,
      string
    >,
  });
  let output = '';
  term.onData((d) => (output += d));
  const exit = new Promise<number>((r) => term.onExit(({ exitCode }) => r(exitCode)));
  return { term, output: () => output, exit };
}

describe.skipIf(NO_INFRA)('Ctrl-C on a Slurm sweep', () => {
  useSlurmLock('shared');
  beforeAll(() => ensureBuilt());

  it('on a terminal, asks; "l" leaves the jobs running (exit 130) and hsm complete collects them', async () => {
    const env = slurmEnv();
    const dir = gatedProject([1, 2]);
    const run = runOnTerminal(dir, ['run', '--source', 'cluster'], env);
    const id = await whenAllSubmitted(dir, env, 2);
    run.term.write('\x03');
    await waitUntil('the question', 30_000, () => run.output().includes('cancel or leave? [c/l]'));
    expect(run.output()).toMatch(/2 tasks are queued or running on the scheduler/);
    run.term.write('l');
    expect(await run.exit).toBe(130);
    expect(run.output()).toContain('leaving 2 tasks queued or running on the scheduler');
    expect(run.output()).toContain(`follow and collect them (and run what is missing): hsm complete ${id}`);
    // the jobs go on without hsm; the sweep says they are still out there
    expect(jobsInQueue(id, env)).toBe(2);
    const left = statusJson(dir, env);
    expect(left.counts.queued! + left.counts.running!).toBe(2);
    expect(completeThroughGate(dir, id, env, 2)).toContain('2 still running from an earlier run (adopted)');
    expect(runsLog(dir).sort()).toEqual(['task_001', 'task_002']); // each ran once
  }, 240_000);

  it('on a terminal, "c" cancels the jobs (one scancel), records them cancelled; complete runs them again', async () => {
    const shims = countingShims();
    const env = slurmEnv(shims.dir);
    const dir = gatedProject([1, 2]);
    const run = runOnTerminal(dir, ['run', '--source', 'cluster'], env);
    const id = await whenAllSubmitted(dir, env, 2);
    // both tasks' commands run (each wrote its line): the cancel stops running tasks
    await waitUntil('both tasks running', 120_000, () => runsLog(dir).length === 2);
    run.term.write('\x03');
    await waitUntil('the question', 30_000, () => run.output().includes('cancel or leave? [c/l]'));
    run.term.write('c');
    expect(await run.exit).toBe(130);
    await queueEmptied(id, env);
    expect(scancels(shims)).toBe(1);
    const s = statusJson(dir, env);
    expect(s.counts).toMatchObject({ cancelled: 2, queued: 0, running: 0, completed: 0 });
    completeThroughGate(dir, id, env, 2);
  }, 240_000);

  it('without a terminal, Ctrl-C cancels without asking; --on-interrupt leave leaves them', async () => {
    const env = slurmEnv();
    const dir = gatedProject([1, 2]);
    const child = hsmChild(['run', '--source', 'cluster'], dir, env);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const id = await whenAllSubmitted(dir, env, 2);
    child.kill('SIGINT');
    expect((await waitForExit(child)).code).toBe(130);
    expect(stderr).not.toContain('cancel or leave?');
    await queueEmptied(id, env);

    const dir2 = gatedProject([1, 2]);
    const leaving = hsmChild(['run', '--source', 'cluster', '--on-interrupt', 'leave'], dir2, env);
    const id2 = await whenAllSubmitted(dir2, env, 2);
    leaving.kill('SIGINT');
    expect((await waitForExit(leaving)).code).toBe(130);
    expect(jobsInQueue(id2, env)).toBe(2);
    completeThroughGate(dir2, id2, env, 2);
    expect(runsLog(dir2).sort()).toEqual(['task_001', 'task_002']);
  }, 240_000);
});

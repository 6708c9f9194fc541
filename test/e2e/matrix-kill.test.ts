import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm } from '../helpers/cli.js';
import { git, makeExampleProject, parse, pgrep, until, type Check } from '../helpers/matrix-project.js';
import { isProcessAlive } from '../../src/process/process-liveness.js';
import { liveLockOwner } from '../../src/state/sweep-lock.js';

// `hsm matrix kill` mid-run leaves nothing running (process queries), also when the hsm process of a
// sweep was killed; the git state check before a launch; matrix files refused at file:line:col.

beforeAll(() => ensureBuilt());

describe('hsm matrix kill and the checks before a launch', () => {
  it('kill stops every job mid-run, also those whose hsm process was killed, and leaves no process behind', async () => {
    const dir = makeExampleProject();
    const token = `hang-${basename(dir)}-${process.pid}`;
    // at most 2 at once: t3 waits (pending) behind t1 and t2; t4's time limit puts it in a sweep of its
    // own, whose hsm process is then killed (kill -9)
    writeFileSync(
      join(dir, 'hang.yaml'),
      `name: hang\ncommand: python3 endings.py --end hang --recipe {recipe}\nresources: {max_parallel: 2}\n` +
        `axes:\n  recipe:\n    t1: {value: ${token}-1}\n    t2: {value: ${token}-2}\n    t3: {value: ${token}-3}\n` +
        `    t4: {value: ${token}-4, timeout: 5m}\n`,
    );
    const launched = hsm(['matrix', 'launch', 'hang.yaml', '--allow-dirty', '--json'], dir);
    expect(launched.code, launched.stderr).toBe(0);
    const { id, sweeps } = JSON.parse(launched.stdout) as { id: string; sweeps: string[] };
    expect(sweeps).toHaveLength(2);
    let running: Check = { id, jobs: [], summary: {} };
    await until('t1, t2 and t4 to run', () => {
      running = parse(hsm(['matrix', 'check', id, '--json'], dir));
      return ['t1', 't2', 't4'].every((n) => running.jobs.find((j) => j.name === n)!.status === 'running');
    });
    expect(running.jobs.map((j) => j.verdict)).toEqual(['running', 'running', 'pending', 'running']);
    expect(pgrep(token).length).toBe(3);

    const lock = join(dir, 'sweeps', 'outputs', sweeps[1]!, 'sweep.lock');
    const owner = liveLockOwner(lock)!;
    expect(owner).toBeGreaterThan(0);
    process.kill(owner, 'SIGKILL');
    await until('the hsm process to die', () => liveLockOwner(lock) === null);
    const orphaned = hsm(['matrix', 'check', id], dir);
    expect(orphaned.stderr).toContain(
      `warning: jobs of sweep ${sweeps[1]} have not ended and no hsm process follows them`,
    );
    expect(pgrep(`${token}-4`).length).toBe(1); // the job itself outlives hsm

    const killed = hsm(['matrix', 'kill', id, '--json'], dir);
    expect(killed.code, killed.stderr).toBe(0);
    expect((JSON.parse(killed.stdout) as { stopped: string[] }).stopped).toEqual(['t1', 't2', 't3', 't4']);
    // when kill returns, nothing of the matrix runs: no job process, no hsm process running it
    expect(pgrep(token)).toEqual([]);
    const pids = running.jobs.filter((j) => j.job_id !== null).map((j) => Number(j.job_id));
    expect(pids).toHaveLength(3);
    expect(pids.filter(isProcessAlive)).toEqual([]);
    expect(pgrep(join(dir, 'sweeps', 'outputs'))).toEqual([]);
    const after = parse(hsm(['matrix', 'check', id, '--json'], dir));
    expect(after.jobs.map((j) => [j.status, j.verdict, j.termination_reason])).toEqual(
      Array(4).fill(['cancelled', 'fail', 'cancelled']),
    );
  });

  it('refuses uncommitted or unpushed work unless --allow-dirty, and an invalid matrix file at file:line:col', () => {
    const dir = makeExampleProject();
    writeFileSync(join(dir, 'endings.py'), '# edited\n', { flag: 'a' });
    const dirty = hsm(['matrix', 'launch', 'release.yaml'], dir);
    expect(dirty.code).toBe(2);
    expect(dirty.stderr).toContain('uncommitted changes (1 file)');
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

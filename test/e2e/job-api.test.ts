import { basename } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, makeProject } from '../helpers/cli.js';
import { pgrep, until } from '../helpers/matrix-project.js';
import { HsmError, openJob, openProject, submit, submitJobs } from '../../src/api/index.js';
import { liveLockOwner } from '../../src/state/sweep-lock.js';

// The job API on the local source: submit() returns handles whose status(), wait(), logs() and
// cancel() follow the job through the store of its sweep, from this process or any other.

beforeAll(() => ensureBuilt());

const sleeper = (token: string) => ['python3', '-c', 'import time; time.sleep(300)', token];

describe('the job API', () => {
  it('cancel() stops one job and leaves the others of its submission running', async () => {
    const dir = makeProject('command: x\n');
    const project = openProject(dir);
    const token = `jobapi-${basename(dir)}`;
    const [a, b] = await submitJobs(project, {
      name: 'pair',
      jobs: [
        { name: 'a', argv: sleeper(`${token}-a`) },
        { name: 'b', argv: sleeper(`${token}-b`) },
      ],
    });
    expect(a!.id).toMatch(/^pair_\d{8}_\d{6}(_\d+)?\/task_001$/);
    await until('both to run', () => a!.status().status === 'running' && b!.status().status === 'running');
    expect(a!.status()).toMatchObject({ name: 'a', source: 'local', done: false, attempts: 1 });
    expect(a!.status().job_id).toMatch(/^\d+$/);

    await a!.cancel();
    expect(a!.status()).toMatchObject({ status: 'cancelled', done: true, termination_reason: 'cancelled' });
    expect(pgrep(`${token}-a`)).toEqual([]);
    // b goes on, and a handle opened from its id (as another process would) sees the same
    const again = openJob(project, b!.id);
    expect(again.status()).toMatchObject({ name: 'b', status: 'running' });
    expect(pgrep(`${token}-b`)).toHaveLength(1);
    await again.cancel();
    expect(await b!.wait()).toMatchObject({ status: 'cancelled', done: true });
    expect(pgrep(token)).toEqual([]);
    // the run's own process ends once nothing is left (wait() answers from the store: it may still
    // be closing it), and its lock goes with it
    await until(
      'the run to end',
      () => liveLockOwner(`${project.outputDir}/${a!.sweepId}/sweep.lock`) === null,
    );
  });

  it('wait() and logs(): exit code, output and a time limit that ends a job', async () => {
    const dir = makeProject('command: x\n');
    const project = openProject(dir);
    const ok = await submit(project, { argv: ['sh', '-c', 'echo out; echo err >&2; exit 3'], name: 'three' });
    const done = await ok.wait({ pollMs: 50 });
    expect(done).toMatchObject({
      name: 'three',
      status: 'failed',
      exit_code: 3,
      termination_reason: 'failed',
    });
    expect(ok.logs()).toBe('out\n');
    expect(ok.logs({ stream: 'stderr' })).toBe('err\n');
    const slow = await submit(project, { argv: ['sleep', '30'], timeout: '1s' });
    expect(await slow.wait()).toMatchObject({ status: 'failed', termination_reason: 'timeout' });
  });

  it('refuses what it cannot honour, with the error that says why', async () => {
    const dir = makeProject('command: x\n');
    const project = openProject(dir);
    const refused = await submit(project, { argv: ['true'], resources: { nodes: 2 } }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(HsmError);
    expect((refused as HsmError).code).toBe('config');
    expect((refused as HsmError).message).toContain('asks source "local" (type local) for `nodes`');
    expect(() => openJob(project, 'no-slash')).toThrow('is not <sweep_id>/<task>');
    const unknown = await submit(project, { argv: ['true'], source: 'nosuch' }).catch((e: unknown) => e);
    expect((unknown as HsmError).message).toContain('unknown source "nosuch"');
  });
});

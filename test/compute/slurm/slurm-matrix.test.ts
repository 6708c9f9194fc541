import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm } from '../../helpers/cli.js';
import { makeExampleProject, parse, pgrep, until, type Check } from '../../helpers/matrix-project.js';
import { useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import { slurmEnv } from './slurm-helpers.js';

// `hsm matrix` on the real Slurm of scripts/infra: the example matrix with its node-count axis mapped
// to Slurm `nodes` (examples/matrix/slurm.yaml): every verdict, reason and restart count right, and
// the node count the scheduler gave each job; `kill` leaves nothing in squeue.

describe.skipIf(NO_INFRA)('hsm matrix on a real Slurm', () => {
  useSlurmLock('shared');
  beforeAll(() => ensureBuilt());

  it('runs the example matrix: verdicts, reasons, restarts, and nodes per job', async () => {
    const env = slurmEnv();
    const dir = makeExampleProject();
    const r = hsm(['matrix', 'launch', 'slurm.yaml', '--wait', '--json'], dir, env, 50_000);
    expect(r.code, r.stderr).toBe(0);
    const check = parse(r);
    const expected: Record<string, [string, number, number]> = {
      normal: ['job_completed', 0, 0],
      heartbeat_timeout: ['heartbeat_timeout', 1, 0],
      runtime_timeout: ['max_runtime_reached', 0, 0],
      command_fails: ['failed', 2, 0],
      restart: ['job_completed', 0, 2],
    };
    expect(check.jobs.map((j) => j.name)).toEqual(
      [1, 2].flatMap((n) => Object.keys(expected).map((c) => `small_${n}_${c}`)),
    );
    for (const job of check.jobs) {
      const [reason, exit, restarts] = expected[job.name.replace(/^small_\d_/, '')]!;
      expect(job, job.name).toMatchObject({
        verdict: 'pass',
        termination_reason: reason,
        exit_code: exit,
        restarts,
      });
      expect(job.job_id, job.name).toMatch(/^\d+_\d+$/);
    }
    // the scheduler ran each job on as many nodes as its `nodes` value. slurmctld hands job records
    // to slurmdbd asynchronously, so a job that just ended may not be in sacct yet: wait for its row.
    for (const job of check.jobs) {
      const jobId = job.job_id!;
      const nodes = Number(job.name.split('_')[1]);
      const accounted = await until(
        `sacct to list ${job.name} (${jobId})`,
        () => {
          const acct = spawnSync('sacct', ['-j', jobId, '-X', '-n', '-P', '--format=NNodes'], {
            encoding: 'utf8',
            env: { ...process.env, ...env },
          });
          return acct.stdout.trim() || undefined;
        },
        30_000,
        250,
      );
      expect(accounted, job.name).toBe(String(nodes));
    }
  });

  it('kill mid-run leaves nothing in squeue and no process behind', async () => {
    const env = slurmEnv();
    const dir = makeExampleProject();
    const token = `hang-${basename(dir)}-${process.pid}`;
    writeFileSync(
      join(dir, 'hang.yaml'),
      `name: hang\ncommand: python3 endings.py --end hang --recipe ${token}-{nodes}\nsource: cluster\n` +
        'axes:\n  nodes: {values: [1, 2], resource: nodes}\n',
    );
    const launched = hsm(['matrix', 'launch', 'hang.yaml', '--allow-dirty', '--json'], dir, env);
    expect(launched.code, launched.stderr).toBe(0);
    const { id, sweeps } = JSON.parse(launched.stdout) as { id: string; sweeps: string[] };
    expect(sweeps).toHaveLength(2);
    let running: Check = { id, jobs: [], summary: {} };
    await until(
      'both jobs to run',
      () => {
        running = parse(hsm(['matrix', 'check', id, '--json'], dir, env));
        return running.jobs.every((j) => j.status === 'running');
      },
      40_000,
    );
    expect(squeue(sweeps, env)).toHaveLength(2);

    const killed = hsm(['matrix', 'kill', id, '--json'], dir, env, 50_000);
    expect(killed.code, killed.stderr).toBe(0);
    expect((JSON.parse(killed.stdout) as { stopped: string[] }).stopped).toEqual(['1', '2']);
    expect(squeue(sweeps, env)).toEqual([]);
    await until('the job processes to end on the nodes', () => pgrep(token).length === 0, 20_000);
    const after = parse(hsm(['matrix', 'check', id, '--json'], dir, env));
    expect(after.jobs.map((j) => [j.status, j.verdict, j.termination_reason])).toEqual(
      Array(2).fill(['cancelled', 'fail', 'cancelled']),
    );
  });
});

// The jobs of these sweeps Slurm still has (any state), by the job name hsm gives them.
function squeue(sweeps: string[], env: NodeJS.ProcessEnv): string[] {
  const r = spawnSync('squeue', ['-h', '-o', '%i %T', `--name=${sweeps.map((s) => `hsm-${s}`).join(',')}`], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`squeue failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

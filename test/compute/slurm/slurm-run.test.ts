import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm } from '../../helpers/cli.js';
import { useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import { countingShims, runsLog, slurmEnv, slurmProject, statusJson } from './slurm-helpers.js';

// The Slurm source end to end: the built CLI against the real Slurm of scripts/infra.
const CLUSTER = '  cluster: {type: slurm, partition: debug, time: "00:02:00", array_throttle: 2}\n';

describe.skipIf(NO_INFRA)('the Slurm source on a real Slurm', () => {
  useSlurmLock('shared');
  beforeAll(() => ensureBuilt());

  it('runs a sweep as one throttled array: records, reasons in status --json, one sbatch', () => {
    const shims = countingShims();
    const env = slurmEnv(shims.dir);
    const dir = slurmProject(CLUSTER, [1, 2, 3, 4]);
    for (const n of ['node1', 'node2', 'node3']) writeFileSync(join(dir, `fail.${n}`), '');
    const r = hsm(['run', '--source', 'cluster'], dir, env, 50_000);
    expect(r.code, r.stderr).toBe(1);
    const s = statusJson(dir, env);
    expect(s.counts).toMatchObject({ completed: 3, failed: 1 });
    const t2 = s.tasks.find((t) => t.name === 'task_002')!;
    expect(t2).toMatchObject({
      status: 'failed',
      exit_code: 3,
      termination_reason: 'failed',
      source: 'cluster',
    });
    for (const t of s.tasks) expect(t.host).toMatch(/^node[123]$/);
    expect(readFileSync(join(s.sweep_dir, 'tasks', 'task_001', 'stdout.log'), 'utf8')).toBe('ran 1\n');
    // the job script a user reads: the sweep's array, throttled, with the source's fields
    const script = readFileSync(join(s.sweep_dir, 'scripts', 'job_scripts', 'job_0001.sh'), 'utf8');
    expect(script).toContain('#SBATCH --array=0-3%2');
    expect(script).toContain('#SBATCH --partition=debug');
    expect(script).toContain('#SBATCH --time=0-00:02:00');
    expect(script).toContain(`#SBATCH --job-name=hsm-${s.sweep_id}`);
    const calls = shims.calls();
    expect(calls.filter((c) => c.startsWith('sbatch '))).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('scontrol '))).toEqual(['scontrol show config']);
    // every status call is for the whole sweep, by its job name
    for (const c of calls.filter((c) => c.startsWith('squeue ')))
      expect(c).toContain(`--name=hsm-${s.sweep_id}`);
  });

  it('an invalid partition: each task says why and how to fix it; nothing is lost', () => {
    const env = slurmEnv();
    const dir = slurmProject('  cluster: {type: slurm, partition: nosuch}\n');
    const r = hsm(['run', '--source', 'cluster'], dir, env, 30_000);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    const s = statusJson(dir, env);
    expect(s.counts).toMatchObject({ failed: 3 });
    for (const t of s.tasks) {
      expect(t.termination_reason).toBe('submit_error');
      expect(t.detail).toContain('Invalid partition name specified');
      expect(t.detail).toContain('fix: set `partition:` to a partition `sinfo -s` lists');
    }
    expect(runsLog(dir)).toEqual([]);
    // fixed, the same sweep completes
    const config = readFileSync(join(dir, 'hsm_config.yaml'), 'utf8').replace('nosuch', 'debug');
    writeFileSync(join(dir, 'hsm_config.yaml'), config);
    const c = hsm(
      ['complete', statusJson(dir, env).sweep_id, '--retry-failed', '--source', 'cluster'],
      dir,
      env,
      50_000,
    );
    expect(c.code, c.stderr).toBe(0);
    expect(statusJson(dir, env).counts).toMatchObject({ completed: 3 });
  });

  it('a bad time limit is refused before a sweep exists; a missing sbatch names the fix', () => {
    const env = slurmEnv();
    const dir = slurmProject('  cluster: {type: slurm, time: "1:2:3:4"}\n  bare: {type: slurm, time: 90}\n');
    const bad = hsm(['run', '--source', 'cluster'], dir, env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('source "cluster": time: "1:2:3:4" is not a time limit');
    expect(bad.stderr).toContain('hint: write the time limit as D-HH:MM:SS');
    expect(hsm(['run', '--source', 'bare'], dir, env).stderr).toContain(
      'is a bare number, which is ambiguous',
    );
    expect(existsSync(join(dir, 'sweeps', 'outputs')) && statusOrNone(dir)).toBe(false);
    // no Slurm commands on PATH
    const nowhere = slurmProject('  cluster: {type: slurm}\n');
    const r = hsm(['run', '--source', 'cluster'], nowhere, {
      PATH: '/nonexistent',
      SLURM_CONF: env.SLURM_CONF,
    });
    expect(r.code).toBe(1);
    const t = statusJson(nowhere).tasks[0]!;
    expect(t.termination_reason).toBe('submit_error');
    expect(t.detail).toContain('scontrol was not found on PATH');
    expect(t.detail).toContain('run hsm on a login node of the cluster');
  });
});

function statusOrNone(dir: string): boolean {
  return hsm(['status', '--json'], dir).code === 0;
}

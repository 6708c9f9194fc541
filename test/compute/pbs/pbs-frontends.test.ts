import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { onTestFinished, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, makeProject, waitForExit } from '../../helpers/cli.js';
import { useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA, sshInfra } from '../../remote/test-infra.js';
import { hsmChild, statusJson, waitUntil } from '../slurm/slurm-helpers.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// The PBS source end to end, through Debian's slurm-wlm-torque qsub/qstat/qdel over the test Slurm
// (there is no PBS server here). The front-ends' gaps are filled by test/fixtures/pbs/frontends/
// (first on PATH; src/compute/pbs/NOTES.md lists them); hsm itself runs as against Torque.
const FRONTENDS = resolve(import.meta.dirname, '../../fixtures/pbs/frontends');

function pbsEnv(calls: string): NodeJS.ProcessEnv {
  return {
    SLURM_CONF: sshInfra().slurmConf,
    PATH: `${FRONTENDS}:${process.env.PATH}`,
    HSM_TEST_PBS_CALLS: calls,
  };
}

function pbsProject(command: string, xs: number[], source: string): string {
  const sweep = `name: pb\ncommand: ["sh", "-c", ${JSON.stringify(command)}]\nargs: none\nsweep:\n  grid:\n    x: [${xs.join(', ')}]\n`;
  const dir = makeProject(sweep, `defaults:\n  output_dir: sweeps/outputs\nsources:\n${source}`);
  mkdirSync(join(dir, 'sweeps', 'outputs'), { recursive: true });
  return dir;
}

const readCalls = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];

describe.skipIf(NO_INFRA)('the PBS source through the Torque front-ends over Slurm', () => {
  useSlurmLock('shared');
  beforeAll(() => ensureBuilt());

  it('runs a sweep as one throttled Torque array; each task its records, exit code and reason', () => {
    const calls = join(makeTempDir('hsm-pbs-calls-'), 'calls.log');
    const env = pbsEnv(calls);
    const dir = pbsProject(
      'if [ {x} = 2 ]; then echo bad >&2; exit 3; fi; echo ran {x}',
      [1, 2, 3, 4],
      '  cluster: {type: pbs, flavour: torque, queue: debug, walltime: "00:02:00", array_throttle: 2}\n',
    );
    const r = hsm(['run', '--source', 'cluster'], dir, env, 50_000);
    expect(r.code, r.stderr).toBe(1);
    const s = statusJson(dir, env);
    expect(s.counts).toMatchObject({ completed: 3, failed: 1 });
    expect(s.tasks.find((t) => t.name === 'task_002')).toMatchObject({
      status: 'failed',
      exit_code: 3,
      termination_reason: 'failed',
      source: 'cluster',
    });
    for (const t of s.tasks) expect(t.host).toMatch(/^node[123]$/);
    const out = (t: string) => readFileSync(join(s.sweep_dir, 'tasks', t, 'stdout.log'), 'utf8');
    expect(out('task_001')).toBe('ran 1\n');
    expect(out('task_004')).toBe('ran 4\n');
    const script = readFileSync(join(s.sweep_dir, 'scripts', 'job_scripts', 'job_0001.sh'), 'utf8');
    for (const line of [
      `#PBS -N hsm-${s.sweep_id}`,
      '#PBS -q debug',
      '#PBS -l walltime=00:02:00',
      '#PBS -t 0-3%2',
      'hsm_i=${PBS_ARRAYID:-0}',
      // the subjobs' table, read from the script's path (a PBS server may run it from stdin)
      `grep -m 1 "^# $hsm_i) " ${join(s.sweep_dir, 'scripts', 'job_scripts', 'job_0001.sh')})`,
      '# 3) 1 task_004 # task_004 ',
    ])
      expect(script).toContain(line);
    expect(script).not.toContain('case $hsm_index');
    const made = readCalls(calls);
    expect(made.filter((c) => c.startsWith('qsub '))).toHaveLength(1);
    // every status call names the sweep's job, never one per task
    for (const c of made.filter((c) => c.startsWith('qstat -f')))
      expect(c).toMatch(/^qstat -f -x -t \d+\[\]$/);
  });

  it('Ctrl-C cancels the running array with one qdel; the tasks are cancelled and finish later', async () => {
    const calls = join(makeTempDir('hsm-pbs-calls-'), 'calls.log');
    const env = pbsEnv(calls);
    const dir = pbsProject(
      'touch started.{x}; while [ ! -e go ]; do sleep 0.1; done; echo done {x}',
      [1, 2, 3],
      '  cluster: {type: pbs, flavour: torque, queue: debug, walltime: "00:02:00"}\n',
    );
    onTestFinished(() => writeFileSync(join(dir, 'go'), ''));
    const run = hsmChild(['run', '--source', 'cluster', '--sweep-id', 'stop'], dir, env);
    let stderr = '';
    run.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitUntil('the three tasks to start in their jobs', 40_000, () =>
      [1, 2, 3].every((x) => existsSync(join(dir, `started.${x}`))),
    );
    run.kill('SIGINT');
    expect((await waitForExit(run)).code, stderr).toBe(130);
    const s = statusJson(dir, env);
    expect(s.counts).toMatchObject({ cancelled: 3, failed: 0 });
    const qdels = readCalls(calls).filter((c) => c.startsWith('qdel '));
    expect(qdels).toHaveLength(1);
    expect(qdels[0]!.split(' ').slice(1).sort()).toEqual(
      [0, 1, 2].map((i) => `${/^(\d+)/.exec(qdels[0]!.split(' ')[1]!)![1]}[${i}]`),
    );
    // the cancelled tasks run again with `hsm complete`, to the end
    writeFileSync(join(dir, 'go'), '');
    const c = hsm(['complete', 'stop', '--source', 'cluster'], dir, env, 50_000);
    expect(c.code, c.stderr).toBe(0);
    expect(statusJson(dir, env).counts).toMatchObject({ completed: 3 });
  });
});

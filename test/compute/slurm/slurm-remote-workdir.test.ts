import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hsm, waitForExit } from '../../helpers/cli.js';
import { useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import {
  hsmHere,
  hsmHereChild,
  onLoginNode,
  remoteProject,
  removeWorkdirs,
} from './remote-workdir-helpers.js';
import { until } from '../../helpers/wait.js';
import { statusJson } from './slurm-helpers.js';

// `host:` and `workdir:` on a slurm source: a laptop that does not share the cluster's filesystem.
// The project is synced to the workdir through the login node, the jobs run from that copy and
// write their records into the sweep directory's copy there, and hsm pulls them back
// (remote-workdir-helpers.ts says how the tests make sure of it).

describe.skipIf(NO_INFRA)('a Slurm source with `host:` and `workdir:` (no shared filesystem)', () => {
  useSlurmLock('shared');
  afterAll(removeWorkdirs);

  it('syncs the project, submits from the copy on the cluster, and pulls every task back', () => {
    const { dir, workdir } = remoteProject('', 'slurm', true);
    expect(existsSync(workdir)).toBe(false);
    const r = hsmHere(['run', '--source', 'cluster', '--sync', '--retries', '1', '-v'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`pushed the project to source cluster (${workdir})`);
    const s = statusJson(dir);
    expect(s.counts).toMatchObject({ completed: 2 });
    for (const t of s.tasks) expect(t.host).toMatch(/^node[123]$/);
    // the tasks ran from the copy (their runs.log is there), never from the local project
    expect(existsSync(join(dir, 'runs.log'))).toBe(false);
    expect(onLoginNode(`cat ${workdir}/runs.log`).stdout.trim().split('\n').sort()).toEqual([
      'task_001',
      'task_002',
      'task_002',
    ]);
    // the records, logs and metrics reached the local sweep directory, written by this process
    // (the jobs' user cannot enter the local project); task_002's first attempt kept apart
    const local = join(s.sweep_dir, 'tasks', 'task_002');
    expect(s.tasks.find((t) => t.name === 'task_002')!.attempts).toBe(2);
    expect(readFileSync(join(local, 'exit'), 'utf8')).toMatch(/^attempt=2 exit=0/);
    expect(readFileSync(join(local, 'stdout.log'), 'utf8')).toMatch(/^ran 2 on node[123]$/m);
    expect(readFileSync(join(local, 'stdout.log'), 'utf8')).not.toContain('first try');
    expect(readFileSync(join(local, 'attempts', '1', 'stdout.log'), 'utf8')).toBe('first try\n');
    expect(readFileSync(join(local, 'attempts', '1', 'exit'), 'utf8')).toMatch(/^attempt=1 exit=3/);
    const owner = spawnSync('stat', ['-c', '%u', join(local, 'exit')], { encoding: 'utf8' });
    expect(Number(owner.stdout.trim())).toBe(process.getuid!());
    const remoteSweep = `${workdir}/.hsm/sweeps/${s.sweep_id}`;
    expect(onLoginNode(`cat ${remoteSweep}/tasks/task_002/exit`).stdout).toMatch(/^attempt=2 exit=0/);
    // the job script names the cluster's paths, and is readable here as everywhere
    const script = readFileSync(join(s.sweep_dir, 'scripts', 'job_scripts', 'job_0001.sh'), 'utf8');
    expect(script).toContain(`#SBATCH --chdir=${workdir}`);
    expect(script).toContain(`cd ${remoteSweep}/tasks || exit 75`);
    expect(script).not.toContain(dir);
    const results = hsm(['results', s.sweep_id, '--json'], dir);
    expect(results.code, results.stderr).toBe(0);
    const rows = (JSON.parse(results.stdout) as { tasks: { metrics: Record<string, number> }[] }).tasks;
    expect(rows.map((row) => row.metrics.loss).sort()).toEqual([1, 2]);
    const logs = hsm(['logs', s.sweep_id, 'task_001'], dir);
    expect(logs.stdout).toMatch(/ran 1 on node[123]/);
    const log = readFileSync(join(s.sweep_dir, 'logs', 'sweep.log'), 'utf8');
    expect(log).toMatch(/rsync send/);
    expect(log).toMatch(/rsync pull/);
  });

  it('clean_remote: the copy of the sweep directory on the cluster goes once every task is back', () => {
    const { dir, workdir } = remoteProject(', clean_remote: true');
    const r = hsmHere(['run', '--source', 'cluster', '--sync'], dir);
    expect(r.code, r.stderr).toBe(0);
    const s = statusJson(dir);
    expect(s.counts).toMatchObject({ completed: 2 });
    // the tasks ran there (the project copy stays: it is the next run's), and every record is here
    expect(onLoginNode(`cat ${workdir}/runs.log`).stdout.trim().split('\n').sort()).toEqual([
      'task_001',
      'task_002',
    ]);
    for (const t of ['task_001', 'task_002']) {
      expect(readFileSync(join(s.sweep_dir, 'tasks', t, 'exit'), 'utf8')).toMatch(/^attempt=1 exit=0/);
      expect(readFileSync(join(s.sweep_dir, 'tasks', t, 'stdout.log'), 'utf8')).toMatch(/^ran \d on node/m);
    }
    const gone = onLoginNode(`test -e ${workdir}/.hsm/sweeps/${s.sweep_id} && echo there || echo gone`);
    expect(gone.stdout.trim()).toBe('gone');
    expect(onLoginNode(`test -d ${workdir}/.hsm/sweeps && echo kept`).stdout.trim()).toBe('kept');
  }, 90_000);

  it('--detach: hsm status alone (and hsm collect) brings what jobs no hsm follows wrote; hsm complete adopts the running one', async () => {
    const { dir, workdir } = remoteProject('', 'slurm', false, true);
    const r = hsmHere(['run', '--source', 'cluster', '--sync', '--detach'], dir);
    expect(r.code, r.stderr).toBe(0);
    const id = statusJson(dir).sweep_id;
    // task_002 ends at once, task_001 waits for its gate: `hsm status` pulls its records itself
    const status = (args: string[]) => {
      const st = hsmHere(['status', ...args], dir);
      expect(st.code, st.stderr).toBe(0);
      expect(st.stderr).not.toContain('warning');
      return st.stdout;
    };
    await until(
      'task_002 completed, as hsm status brought it back',
      () => {
        const s = JSON.parse(status(['--json'])) as ReturnType<typeof statusJson>;
        expect(s.tasks.find((t) => t.name === 'task_002')!.status).toBe('completed');
        return s;
      },
      45_000,
      1000,
    );
    expect(existsSync(join(dir, 'sweeps', 'outputs', id, 'tasks', 'task_002', 'stdout.log'))).toBe(true);
    expect(status([])).toMatch(/2 tasks: 1 completed, 1 (queued|running)/);
    // `hsm collect` pulls the task still queued or running (nothing of it ended yet)
    const c = hsmHere(['collect', id, '--json'], dir);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ sweep_id: id, collected: [], missing: [], errors: [] });
    expect(statusJson(dir).tasks.find((t) => t.name === 'task_001')!.status).toMatch(/^(queued|running)$/);
    // a later hsm adopts the job still running, and its records come back through the pull
    const complete = hsmHereChild(['complete', id], dir);
    await until(
      'task_001 started',
      () => {
        if (onLoginNode(`cat ${workdir}/runs.log`).stdout.includes('task_001')) return true;
        throw new Error('not started yet');
      },
      45_000,
      500,
    );
    expect(onLoginNode(`touch ${workdir}/gate`).code).toBe(0);
    expect((await waitForExit(complete)).code).toBe(0);
    const s = statusJson(dir);
    expect(s.counts).toMatchObject({ completed: 2 });
    expect(s.tasks.map((t) => t.attempts)).toEqual([1, 1]);
    expect(readFileSync(join(s.sweep_dir, 'tasks', 'task_001', 'stdout.log'), 'utf8')).toMatch(/ran 1/);
  }, 120_000);
});

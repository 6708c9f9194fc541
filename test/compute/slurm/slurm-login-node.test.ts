import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HSM_BIN } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA, sshInfra } from '../../remote/test-infra.js';
import { jobsInQueue, runsLog, slurmEnv, slurmProject, statusJson, waitUntil } from './slurm-helpers.js';

// `host:` on a slurm source: sbatch, squeue, sacct and scancel run on a login node over ssh. The
// login node is node1 of the test infrastructure (a Slurm node's network namespace with the client
// tools and munge; only read here), reached as the test user with the infrastructure's ssh config
// and known_hosts. The netns hosts share this machine's filesystem, as a cluster's shared
// filesystem would: the sweep directory is read here and written by the jobs, which run as that
// user, so the project is made writable for it (and hsm runs with umask 0).

/** A PATH directory whose Slurm commands refuse to run: hsm must not call them on this machine. */
function noLocalSlurm(): string {
  const dir = makeTempDir('hsm-no-slurm-');
  for (const p of ['sbatch', 'squeue', 'sacct', 'scancel', 'scontrol']) {
    writeFileSync(join(dir, p), `#!/bin/sh\necho "${p} must run on the login node" >&2\nexit 99\n`);
    chmodSync(join(dir, p), 0o755);
  }
  return dir;
}

function hsmHere(args: string[], cwd: string, path: string) {
  const infra = sshInfra();
  const r = spawnSync(
    'sh',
    ['-c', 'umask 0; exec "$0" "$@"', process.execPath, HSM_BIN, ...args, '--ssh-config', infra.configFile],
    { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1', PATH: path } },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function loginProject(fields: string, extra = ''): string {
  const conf = sshInfra().slurmConf;
  const dir = slurmProject(
    `  cluster: {type: slurm, partition: debug, time: "00:02:00", host: node1, env: {SLURM_CONF: ${conf}}${fields}}\n`,
    [1, 2],
    extra,
  );
  spawnSync('chmod', ['-R', 'a+rwX', dir]);
  return dir;
}

describe.skipIf(NO_INFRA)('a Slurm source with `host:` (a login node over ssh)', () => {
  useSlurmLock('shared');

  it('submits and follows the sweep through the login node; the jobs run as the user there', () => {
    const path = `${noLocalSlurm()}:${process.env.PATH}`;
    const dir = loginProject('');
    const r = hsmHere(['run', '--source', 'cluster', '-v'], dir, path);
    expect(r.code, r.stderr).toBe(0);
    const s = statusJson(dir);
    expect(s.counts).toMatchObject({ completed: 2 });
    for (const t of s.tasks) expect(t.host).toMatch(/^node[123]$/);
    expect(runsLog(dir).sort()).toEqual(['task_001', 'task_002']);
    // the job ran as the login node's user (the owner of its records), not as this process
    const owner = spawnSync('stat', ['-c', '%U', join(s.sweep_dir, 'tasks', 'task_001', 'stdout.log')], {
      encoding: 'utf8',
    });
    const there = spawnSync('ssh', ['-F', sshInfra().configFile, 'node1', 'id', '-un'], { encoding: 'utf8' });
    expect(owner.stdout.trim()).toBe(there.stdout.trim());
    expect(owner.stdout.trim()).not.toBe('root');
    const log = readFileSync(join(s.sweep_dir, 'logs', 'sweep.log'), 'utf8');
    expect(log).toMatch(/sbatch.*"via":"ssh"/);
  });

  it('--detach, then hsm cancel and hsm complete, all through the login node', async () => {
    const path = `${noLocalSlurm()}:${process.env.PATH}`;
    const dir = loginProject('', 'while [ ! -e gate ]; do sleep 0.2; done; ');
    const r = hsmHere(['run', '--source', 'cluster', '--detach', '--json'], dir, path);
    expect(r.code, r.stderr).toBe(0);
    const id = statusJson(dir).sweep_id;
    expect(JSON.parse(r.stdout)).toEqual({
      sweep_id: id,
      sweep_dir: statusJson(dir).sweep_dir,
      pid: null,
      left: 2,
    });
    await waitUntil('both tasks running', 120_000, () => runsLog(dir).length === 2);
    const c = hsmHere(['cancel', id], dir, path);
    expect(c.code, c.stderr).toBe(0);
    expect(statusJson(dir).counts).toMatchObject({ cancelled: 2 });
    await waitUntil('the jobs gone from the queue', 60_000, () => jobsInQueue(id, slurmEnv()) === 0);
    writeFileSync(join(dir, 'gate'), '');
    const done = hsmHere(['complete', id], dir, path);
    expect(done.code, done.stderr).toBe(0);
    expect(statusJson(dir).counts).toMatchObject({ completed: 2 });
  });

  it('a login node that cannot be reached: exit 3, the cause and the fix; the tasks stay pending', () => {
    const path = `${noLocalSlurm()}:${process.env.PATH}`;
    const dir = loginProject(', port: 1');
    const r = hsmHere(['run', '--source', 'cluster'], dir, path);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('the login node node1 cannot be reached over ssh: connection refused');
    expect(r.stderr).toContain('fix: Check that `ssh node1 true` works from this machine');
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    const s = statusJson(dir);
    expect(s.counts).toMatchObject({ pending: 2 });
    expect(runsLog(dir)).toEqual([]);
    // fixed, the same sweep completes: nothing was lost
    writeFileSync(
      join(dir, 'hsm_config.yaml'),
      readFileSync(join(dir, 'hsm_config.yaml'), 'utf8').replace(', port: 1', ''),
    );
    const c = hsmHere(['complete', s.sweep_id], dir, path);
    expect(c.code, c.stderr).toBe(0);
    expect(statusJson(dir).counts).toMatchObject({ completed: 2 });
  });

  it('a sweep directory the login node cannot write: each task says why and how to fix it', () => {
    const path = `${noLocalSlurm()}:${process.env.PATH}`;
    const dir = loginProject('');
    spawnSync('chmod', ['0700', dir]); // the jobs' user cannot enter the project
    const r = hsmHere(['run', '--source', 'cluster'], dir, path);
    expect(r.code).toBe(1);
    const t = statusJson(dir).tasks[0]!;
    expect(t.termination_reason).toBe('submit_error');
    expect(t.detail).toContain('is not a writable directory on node1 at the same path');
    expect(t.detail).toContain(
      "fix: put `defaults.output_dir` (and the project) on the cluster's shared filesystem",
    );
    expect(runsLog(dir)).toEqual([]);
  });
});

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hsm } from '../../helpers/cli.js';
import { useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA, sshInfra } from '../../remote/test-infra.js';
import { hsmHere, onLoginNode, remoteProject, removeWorkdirs } from './remote-workdir-helpers.js';
import { statusJson } from './slurm-helpers.js';

// `host:` and `workdir:` on a slurm source when something is wrong: the login node, the workdir,
// rsync there, the copy there (slurm-remote-workdir.test.ts has the sweeps that go well). Each is
// said with its cause and fix, and nothing is lost.

describe.skipIf(NO_INFRA)('a Slurm source with `host:` and `workdir:`: errors', () => {
  useSlurmLock('shared');
  afterAll(removeWorkdirs);

  it('a sweep directory the workdir cannot hold: exit 3 with the cause and the fix; fixed, `hsm complete` runs it', () => {
    const { dir, workdir } = remoteProject('');
    const push = hsm(['sync', 'push', 'cluster', '--ssh-config', sshInfra().configFile], dir);
    expect(push.code, push.stderr).toBe(0);
    // the project is there, but its .hsm/ cannot be written
    expect(onLoginNode(`mkdir -p ${workdir}/.hsm && chmod 0555 ${workdir}/.hsm`).code).toBe(0);
    const r = hsmHere(['run', '--source', 'cluster'], dir);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`the workdir ${workdir} on node1 cannot hold the sweep directory`);
    expect(r.stderr).toContain(
      'fix: set `workdir:` of source cluster to a directory your user on the cluster can write',
    );
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    const s = statusJson(dir);
    expect(s.counts).toMatchObject({ pending: 2 });
    expect(onLoginNode(`chmod 0755 ${workdir}/.hsm`).code).toBe(0);
    const c = hsmHere(['complete', s.sweep_id], dir);
    expect(c.code, c.stderr).toBe(0);
    expect(statusJson(dir).counts).toMatchObject({ completed: 2 });
    expect(readFileSync(join(s.sweep_dir, 'tasks', 'task_001', 'stdout.log'), 'utf8')).toMatch(/ran 1/);
  });

  it('a login node that cannot be reached, a workdir that cannot be created, no rsync there: exit 3; a copy changed there: exit 2; before any sweep exists', () => {
    const outputs = (dir: string) =>
      spawnSync('ls', [join(dir, 'sweeps', 'outputs')], { encoding: 'utf8' }).stdout.trim();
    const unreachable = remoteProject(', port: 1');
    const a = hsmHere(['run', '--source', 'cluster', '--sync'], unreachable.dir);
    expect(a.code, a.stderr).toBe(3);
    expect(a.stderr).toContain('Cannot reach host node1 (source cluster)');
    expect(a.stderr).toMatch(/connection refused/i);
    expect(outputs(unreachable.dir)).toBe('');

    const { dir } = remoteProject('');
    writeFileSync(
      join(dir, 'hsm_config.yaml'),
      readFileSync(join(dir, 'hsm_config.yaml'), 'utf8').replace(/workdir: [^,}]+/, 'workdir: /proc/hsm-no'),
    );
    const b = hsmHere(['run', '--source', 'cluster', '--sync'], dir);
    expect(b.code, b.stderr).toBe(3);
    expect(b.stderr).toContain('/proc/hsm-no');
    expect(b.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(outputs(dir)).toBe('');

    const broken = remoteProject(', rsync_path: /nonexistent/rsync');
    const c = hsmHere(['run', '--source', 'cluster', '--sync'], broken.dir);
    expect(c.code, c.stderr).toBe(3);
    expect(c.stderr).toContain('rsync is not installed on host node1 (source cluster)');
    expect(c.stderr).toContain('set `rsync_path:` of source `cluster` to where it is');
    expect(outputs(broken.dir)).toBe('');

    // the copy on the cluster has changes of its own: which side wins is the user's call (exit 2,
    // as for an ssh source), and nothing is pushed or submitted
    const edited = remoteProject('');
    const push = hsm(['sync', 'push', 'cluster', '--ssh-config', sshInfra().configFile], edited.dir);
    expect(push.code, push.stderr).toBe(0);
    expect(onLoginNode(`echo theirs > ${edited.workdir}/notes.txt`).code).toBe(0);
    const d = hsmHere(['run', '--source', 'cluster', '--sync'], edited.dir);
    expect(d.code, d.stderr).toBe(2);
    expect(d.stderr).toContain('is not the local one: remote newer');
    expect(d.stderr).toContain('remote  notes.txt');
    expect(d.stderr).toContain('hsm sync pull cluster');
    expect(outputs(edited.dir)).toBe('');
    expect(onLoginNode(`cat ${edited.workdir}/notes.txt`).stdout).toBe('theirs\n');
  });
});

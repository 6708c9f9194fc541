import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HSM_BIN } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { useSlurmLock } from '../../helpers/slurm-lock.js';
import { until, GiveUp } from '../../helpers/wait.js';
import { NO_INFRA, sshInfra } from '../../remote/test-infra.js';
import { hsmHere, onLoginNode, remoteProject, removeWorkdirs } from './remote-workdir-helpers.js';
import { statusJson } from './slurm-helpers.js';

// A sweep `--detach`ed on a Slurm source with `host:` and `workdir:` (no shared filesystem): no hsm
// follows its jobs, their records are on the cluster only. `hsm status --watch` pulls them itself,
// every few seconds, until no task is left queued or running (a failed pull said once, and tried
// again); `hsm collect` then removes, with
// `clean_remote`, the cluster's copies of the tasks whose records are back, which no run saw end.

describe.skipIf(NO_INFRA)('a detached remote-workdir Slurm sweep: watch and collect', () => {
  useSlurmLock('shared');
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill(); // a watch a failed test left
    removeWorkdirs();
  });

  it('hsm status --watch follows the jobs to their end; hsm collect removes their copies on the cluster', async () => {
    const { dir, workdir } = remoteProject(', clean_remote: true', 'slurm', false, true);
    const r = hsmHere(['run', '--source', 'cluster', '--sync', '--detach'], dir);
    expect(r.code, r.stderr).toBe(0);
    const id = statusJson(dir).sweep_id;
    // the watch starts while the login node cannot be reached (its ssh connection fails, each try
    // counted in `tries`), then can again: the ssh client config file is the watch's, rewritten
    const conf = join(makeTempDir('hsm-watch-ssh-'), 'ssh_config');
    const tries = `${conf}.tries`;
    const good = readFileSync(sshInfra().configFile, 'utf8');
    writeFileSync(
      conf,
      `Host node1\n  Port 1\n  ProxyCommand /bin/sh -c 'echo x >> ${tries}; exit 1'\n${good}`,
    );
    const watch = spawn(
      process.execPath,
      [HSM_BIN, 'status', '--watch', '--interval', '0.5', '--ssh-config', conf],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    children.push(watch);
    const out = { stdout: '', stderr: '' };
    watch.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
    watch.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
    const watching = () => {
      if (watch.exitCode !== null) throw new GiveUp(`the watch ended early: ${out.stdout}${out.stderr}`);
    };
    const triesSoFar = () => (existsSync(tries) ? readFileSync(tries, 'utf8').split('\n').length - 1 : 0);
    await until(
      'three failed pulls',
      () => {
        watching();
        return triesSoFar() >= 3;
      },
      45_000,
      200,
    );
    // said once, with what to do, and the watch goes on
    expect(out.stderr.match(/warning: /g), out.stderr).toHaveLength(1);
    expect(out.stderr).toMatch(
      /warning: pulling task records from node1:.* failed .*tried again every few seconds/,
    );
    expect(out.stdout).toMatch(/; left on the scheduler$/m);
    writeFileSync(conf, good);
    // task_002 ends at once, task_001 waits for its gate: the watch shows the one back, the other left
    await until(
      'the watch showing task_002 completed, task_001 left on the scheduler',
      () => {
        watching();
        return /1\/2 done \(1 completed, 1 (queued|running)\).*; left on the scheduler$/m.test(out.stdout);
      },
      45_000,
      200,
    );
    // the gate opens only now: what the watch shows next it pulled after its start
    await until(
      'task_001 started on the cluster',
      () => {
        watching();
        return onLoginNode(`cat ${workdir}/runs.log`).stdout.includes('task_001');
      },
      45_000,
      500,
    );
    expect(onLoginNode(`touch ${workdir}/gate`).code).toBe(0);
    await until('the watch to end by itself', () => watch.exitCode !== null, 45_000, 200);
    expect(watch.exitCode, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/2\/2 done \(2 completed\); not running$/m);
    expect(out.stderr.match(/warning: /g)).toHaveLength(1);
    // the store took in what the watch pulled: no hsm ran the sweep since --detach
    expect(statusJson(dir).counts).toMatchObject({ completed: 2 });

    // the run ended before its tasks did: their copies are still on the cluster
    const copy = `${workdir}/.hsm/sweeps/${id}`;
    expect(onLoginNode(`ls ${copy}/tasks`).stdout.split('\n').filter(Boolean).sort()).toEqual([
      'task_001',
      'task_002',
    ]);
    const c = hsmHere(['collect', id], dir);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toContain(
      "removed the cluster's copies of 2 tasks (clean_remote: their records are here): task_001, task_002",
    );
    expect(c.stderr).toContain(`removed the sweep's copy at node1:${copy}`);
    expect(onLoginNode(`test -e ${copy} && echo there || echo gone`).stdout.trim()).toBe('gone');
    // the records stay here; a second collect has nothing left to remove
    expect(statusJson(dir).counts).toMatchObject({ completed: 2 });
    const again = hsmHere(['collect', id, '--json'], dir);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      removed_remote: [],
      removed_sweep_copies: [],
      errors: [],
    });
  }, 120_000);
});

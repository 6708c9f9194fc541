import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, waitForExit } from '../../helpers/cli.js';
import { useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import { hsmChild, runsLog, slurmEnv, slurmProject, statusJson, waitUntil } from './slurm-helpers.js';

// `hsm complete` on any source finishes a sweep begun on another: the same runner writes the same
// records on Slurm and here. Real Slurm of scripts/infra.
const CLUSTER = '  cluster: {type: slurm, partition: debug, time: "00:02:00", array_throttle: 2}\n';

describe.skipIf(NO_INFRA)('a sweep moves between Slurm and this machine', () => {
  useSlurmLock('shared');
  beforeAll(() => ensureBuilt());

  it('a sweep begun on Slurm, hsm killed, finished locally: nothing that had completed runs again', async () => {
    const env = slurmEnv();
    const dir = slurmProject(
      '  cluster: {type: slurm, partition: debug, time: "00:02:00", array_throttle: 1}\n',
      [1, 2, 3],
      'sleep 1; ',
    );
    // x=2 fails on the cluster's nodes, and only there
    for (const n of ['node1', 'node2', 'node3']) writeFileSync(join(dir, `fail.${n}`), '');
    const child = hsmChild(['run', '--source', 'cluster'], dir, env);
    await waitUntil('the first task to run', 30_000, () => runsLog(dir).length >= 1);
    child.kill('SIGKILL');
    await waitForExit(child);
    // the queued elements went on without hsm; `complete` adopts them (x=2 fails there)...
    const id = statusJson(dir, env).sweep_id;
    const adopted = hsm(['complete', id, '--source', 'local'], dir, env, 50_000);
    expect(adopted.code, adopted.stderr).toBe(1);
    expect(statusJson(dir, env).counts).toMatchObject({ completed: 2, failed: 1 });
    // ...and the failed one runs here
    const r = hsm(['complete', id, '--retry-failed', '--source', 'local'], dir, env, 30_000);
    expect(r.code, r.stderr).toBe(0);
    const s = statusJson(dir, env);
    expect(s.counts).toMatchObject({ completed: 3 });
    const byName = new Map(s.tasks.map((t) => [t.name, t]));
    expect(byName.get('task_001')!.source).toBe('cluster');
    expect(byName.get('task_003')!.source).toBe('cluster');
    expect(byName.get('task_002')!).toMatchObject({ source: 'local', attempts: 2, host: hostname() });
    const runs = runsLog(dir);
    expect(runs.filter((t) => t === 'task_001')).toHaveLength(1);
    expect(runs.filter((t) => t === 'task_003')).toHaveLength(1);
    expect(runs.filter((t) => t === 'task_002')).toHaveLength(2);
  });

  it('a sweep begun locally and finished on Slurm: only the failed task runs there', () => {
    const env = slurmEnv();
    const dir = slurmProject(CLUSTER);
    writeFileSync(join(dir, `fail.${hostname()}`), '');
    expect(hsm(['run'], dir, env, 30_000).code).toBe(1);
    const r = hsm(
      ['complete', statusJson(dir, env).sweep_id, '--retry-failed', '--source', 'cluster'],
      dir,
      env,
      50_000,
    );
    expect(r.code, r.stderr).toBe(0);
    const s = statusJson(dir, env);
    expect(s.counts).toMatchObject({ completed: 3 });
    expect(s.tasks.find((t) => t.name === 'task_002')).toMatchObject({ source: 'cluster', attempts: 2 });
    expect(s.tasks.find((t) => t.name === 'task_002')!.host).toMatch(/^node[123]$/);
    expect(runsLog(dir).sort()).toEqual(['task_001', 'task_002', 'task_002', 'task_003']);
  });
});

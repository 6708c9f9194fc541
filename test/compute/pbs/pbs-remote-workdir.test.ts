import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useSlurmLock } from '../../helpers/slurm-lock.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import { hsmHere, onLoginNode, remoteProject, removeWorkdirs } from '../slurm/remote-workdir-helpers.js';
import { statusJson } from '../slurm/slurm-helpers.js';

// A PBS source with `host:` and `workdir:` goes through the batch sources' one remote sweep
// directory: qsub/qstat (Debian's Torque front-ends over the test Slurm) on the login node, the
// project synced, the records pulled back (test/compute/slurm/remote-workdir-helpers.ts).

describe.skipIf(NO_INFRA)('a PBS source with `host:` and `workdir:` (no shared filesystem)', () => {
  useSlurmLock('shared');
  afterAll(removeWorkdirs);

  it('PBS through the same code: qsub/qstat on the login node, records pulled back', () => {
    const { dir, workdir } = remoteProject('', 'pbs');
    const r = hsmHere(['run', '--source', 'cluster', '--sync'], dir);
    expect(r.code, r.stderr).toBe(0);
    const s = statusJson(dir);
    expect(s.counts).toMatchObject({ completed: 2 });
    expect(existsSync(join(dir, 'runs.log'))).toBe(false);
    expect(onLoginNode(`cat ${workdir}/runs.log`).stdout.trim().split('\n').sort()).toEqual([
      'task_001',
      'task_002',
    ]);
    const local = join(s.sweep_dir, 'tasks', 'task_001');
    expect(readFileSync(join(local, 'exit'), 'utf8')).toMatch(/^attempt=1 exit=0/);
    expect(readFileSync(join(local, 'stdout.log'), 'utf8')).toMatch(/^ran 1 on node[123]$/m);
  });
});

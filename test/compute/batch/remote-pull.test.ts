import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tasksToPull } from '../../../src/compute/batch/remote-pulls.js';
import { removalOutput, removalScript } from '../../../src/compute/batch/remote-sweep-dir.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// Which task directories a batch source with a remote workdir pulls before a round's records are
// read: a sweep of many queued tasks must not cost a directory per task every round.

const t = (task: string, jobId: string, index: number, phase: string) => ({ task, jobId, index, phase });

describe('tasksToPull', () => {
  it('pulls every task of elements not listed as queued, and the first task of queued ones', () => {
    const tracked = [
      // element 7_0 (packed: 3 tasks) runs, 7_1 (packed) is queued, 8_0 not asked about yet
      t('task_001', '7', 0, 'running'),
      t('task_002', '7', 0, 'running'),
      t('task_003', '7', 0, 'running'),
      t('task_004', '7', 1, 'queued'),
      t('task_005', '7', 1, 'queued'),
      t('task_006', '8', 0, 'unknown'),
    ];
    expect(tasksToPull(tracked, 0)).toEqual({
      tasks: ['task_001', 'task_002', 'task_003', 'task_006', 'task_004'],
      cursor: 0,
    });
  });

  it('looks at 1,000 queued elements a round, in turn', () => {
    const tracked = Array.from({ length: 2500 }, (_, i) => t(`task_${i}`, '9', i, 'queued'));
    const first = tasksToPull(tracked, 0);
    expect(first.tasks).toHaveLength(1000);
    expect(first.tasks[0]).toBe('task_0');
    const second = tasksToPull(tracked, first.cursor);
    expect(second.tasks[0]).toBe('task_1000');
    const third = tasksToPull(tracked, second.cursor);
    expect(third.tasks.slice(0, 2)).toEqual(['task_2000', 'task_2001']);
    // the turn wraps around
    expect(third.tasks[500]).toBe('task_0');
    expect(third.cursor).toBe(500);
  });
});

describe('removalScript (clean_remote)', () => {
  // a workdir whose path a shell would misread, run through a real sh as on the login node
  const sweepTree = (tasks: string[]) => {
    const root = join(makeTempDir('hsm-clean-'), "w d $(touch pwned) 'q'", '.hsm', 'sweeps');
    const sweep = join(root, 's1');
    for (const t of tasks) {
      mkdirSync(join(sweep, 'tasks', t), { recursive: true });
      writeFileSync(join(sweep, 'tasks', t, 'exit'), 'attempt=1 exit=0\n');
    }
    mkdirSync(join(sweep, 'scripts', 'job_scripts'), { recursive: true });
    return { root, sweep };
  };
  const sh = (script: string, cwd: string) => spawnSync('sh', ['-c', script], { cwd, encoding: 'utf8' });

  it('removes the task directories that came back, and the copy once none is left', () => {
    const { root, sweep } = sweepTree(['task_001', 'task_002']);
    const first = sh(removalScript(sweep, 's1', ['task_001'], true), root);
    expect(first.status, first.stderr).toBe(0);
    expect(removalOutput(first.stdout)).toEqual({ removed: ['task_001'], copyRemoved: false });
    expect(existsSync(join(sweep, 'tasks', 'task_001'))).toBe(false);
    expect(existsSync(join(sweep, 'tasks', 'task_002'))).toBe(true); // not back: the copy stays
    expect(existsSync(join(sweep, 'scripts'))).toBe(true);
    const second = sh(removalScript(sweep, 's1', ['task_002', 'task_001'], true), root);
    expect(second.status, second.stderr).toBe(0);
    // what was there is said (task_001 had gone already), and the copy with the last task
    expect(removalOutput(second.stdout)).toEqual({ removed: ['task_002'], copyRemoved: true });
    expect(existsSync(sweep)).toBe(false);
    expect(existsSync(root)).toBe(true);
    expect(existsSync(join(root, 'pwned'))).toBe(false);
    // a copy already gone: nothing to do, no error
    const third = sh(removalScript(sweep, 's1', ['task_001'], true), root);
    expect(third.status).toBe(0);
    expect(removalOutput(third.stdout)).toEqual({ removed: [], copyRemoved: false });
  });
});

import { describe, expect, it } from 'vitest';
import { countValues, diagnoseFailure, groupFailures, type FailedTask } from '../../src/diagnose/index.js';
import type { Params } from '../../src/domain/params.js';

// Grouping failures across a sweep and what their tasks have in common.

const task = (name: string, params: Params, host: string, stderr: string, exitCode = 1): FailedTask => ({
  name,
  params,
  host,
  diagnosis: diagnoseFailure({ reason: 'failed', exitCode, signal: null, stderrTail: stderr }),
});

describe('groupFailures', () => {
  // 24 tasks: batch_size x lr x seed, on two hosts
  const all: { name: string; params: Params; host: string }[] = [];
  for (const bs of [64, 512])
    for (const lr of [0.1, 0.01, 0.001])
      for (const seed of [1, 2, 3, 4])
        all.push({
          name: `task_${String(all.length + 1).padStart(3, '0')}`,
          params: { batch_size: bs, lr, seed, model: 'resnet' },
          host: seed % 2 ? 'lab1' : 'lab2',
        });
  const sweep = countValues(all);
  const oom = 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.50 GiB\n';

  it('one group per cause, largest first, with the values all its tasks share and the share of most', () => {
    const failed: FailedTask[] = [
      // all batch_size=512 tasks hit CUDA OOM
      ...all.filter((t) => t.params.batch_size === 512).map((t) => task(t.name, t.params, t.host, oom)),
      // the missing module: on lab2 only
      ...all
        .filter((t) => t.params.batch_size === 64 && t.host === 'lab2')
        .map((t) => task(t.name, t.params, t.host, "ModuleNotFoundError: No module named 'wandb'\n")),
      // the same unknown error (different numbers and paths) in 5 tasks, all on lab1
      ...all
        .filter((t) => t.params.batch_size === 64 && t.host === 'lab1')
        .slice(0, 5)
        .map((t, i) => task(t.name, t.params, t.host, `step ${i * 7}: loss is nan at /tmp/run_${i}\n`, 3)),
    ];
    const groups = groupFailures(failed, sweep);
    expect(groups.map((g) => [g.category, g.count])).toEqual([
      ['cuda_oom', 12],
      ['missing_module', 6],
      ['unknown', 5],
    ]);
    expect(groups[0]!.shared).toEqual({ batch_size: 512 }); // not model: every task of the sweep has it
    expect(groups[0]!.host).toBeNull();
    expect(groups[1]!.host).toBe('lab2');
    expect(groups[1]!.shared).toEqual({ batch_size: 64 });
    expect(groups[2]!.evidence).toBe('step 0: loss is nan at /tmp/run_0');
    expect(groups[2]!.lines.task_003).toBe('step 7: loss is nan at /tmp/run_1');
    expect(groups[2]!.shared).toEqual({ batch_size: 64 });
    expect(groups[2]!.host).toBe('lab1');
  });

  it('states the share when most, not all, of a group share a value', () => {
    const sel = all.filter((t) => t.params.lr === 0.1); // 8 tasks
    const failed = [...sel.slice(0, 7), all.find((t) => t.params.lr === 0.01)!].map((t) =>
      task(
        t.name,
        t.params,
        t.host,
        'RuntimeError: diverged\nTraceback (most recent call last):\nRuntimeError: diverged\n',
      ),
    );
    const [g] = groupFailures(failed, sweep);
    expect(g!.category).toBe('python_exception');
    expect(g!.shared).toEqual({});
    expect(g!.correlations).toContainEqual({
      kind: 'param',
      name: 'lr',
      value: 0.1,
      count: 7,
      share: 7 / 8,
      sweep_share: 8 / 24,
    });
  });

  it('claims nothing in common for a single task', () => {
    const [g] = groupFailures([task('task_001', all[0]!.params, 'lab1', oom)], sweep);
    expect(g!.shared).toEqual({});
    expect(g!.correlations).toEqual([]);
  });
});

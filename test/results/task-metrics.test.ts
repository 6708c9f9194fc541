import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readTaskMetrics } from '../../src/results/task-metrics.js';
import { SweepPaths } from '../../src/state/sweep-paths.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// Reading what a task reported from its directory: stdout lines and metrics.json.

function taskWith(stdout: string | Buffer, metricsJson?: string): SweepPaths {
  const paths = new SweepPaths(makeTempDir('hsm-metrics-'));
  mkdirSync(paths.taskDir('task_001'), { recursive: true });
  writeFileSync(paths.taskFile('task_001', 'stdout.log'), stdout);
  if (metricsJson !== undefined) writeFileSync(paths.taskFile('task_001', 'metrics.json'), metricsJson);
  return paths;
}

describe('readTaskMetrics', () => {
  it('merges HSM_METRICS lines in order, then metrics.json; skips what is not a JSON object', () => {
    const paths = taskWith(
      'HSM_METRICS {"loss": 2, "step": 1}\n[info] HSM_METRICS {"loss": 1}\nHSM_METRICS [1,2]\nHSM_METRICS {broken\nHSM_METRICS {"acc": 0.5}',
      '{"acc": 0.75, "final": true}',
    );
    expect(readTaskMetrics(paths, 'task_001')).toEqual({ loss: 1, step: 1, acc: 0.75, final: true });
  });

  it('finds a line that straddles the 1 MB read boundary of a large log', () => {
    const before = 'x'.repeat((1 << 20) - 10) + '\n';
    const paths = taskWith(
      Buffer.from(`${before}HSM_METRICS {"loss": 0.25}\n${'y'.repeat(3 << 20)}\nHSM_METRICS {"acc": 1}\n`),
    );
    expect(readTaskMetrics(paths, 'task_001')).toEqual({ loss: 0.25, acc: 1 });
  });

  it('a task that reported nothing, or wrote a broken metrics.json, has no metrics', () => {
    expect(readTaskMetrics(taskWith('epoch 1\n', '{"loss": '), 'task_001')).toEqual({});
    expect(readTaskMetrics(new SweepPaths('/nonexistent'), 'task_001')).toEqual({});
  });
});

import { describe, expect, it } from 'vitest';
import type { ComputeSource } from '../../src/engine/ports.js';
import { DEFAULT_REASON_RETRY, retryAfter } from '../../src/engine/retry-policy.js';
import { SweepEngine, type EngineOptions } from '../../src/engine/sweep-engine.js';
import { TERMINATION_REASONS } from '../../src/domain/task.js';
import { makeSweep, makeTasks } from '../helpers/sweep-fixture.js';
import { FakeSource, type Script } from './fake-source.js';

// The retry policy per termination reason (engine/retry-policy.ts, hsm_config.yaml `retry:`).

function setup(n: number) {
  const fx = makeSweep(makeTasks(Array.from({ length: n }, (_, i) => ['true', String(i)])));
  const run = (opts: Partial<EngineOptions> & Pick<EngineOptions, 'sources'>) =>
    new SweepEngine(fx.sweep.store, fx.workspace, {
      tasks: fx.sweep.store.tasks().map((t) => t.name),
      retries: 0,
      retryDelayMs: 60_000, // a backoff would outlast the test: what retries here runs at once
      timeoutMs: null,
      killGraceMs: 10,
      ...opts,
    }).run();
  return { ...fx, run };
}

/** A scheduler-like source: it sets memory and time, so a retry may ask for more. */
function batchSource(script: Script): FakeSource & ComputeSource {
  return Object.assign(new FakeSource('cluster', 4, script), { scalesResources: true });
}

describe('retry policy per termination reason', () => {
  it('has an entry for every reason', () => {
    expect(Object.keys(DEFAULT_REASON_RETRY).sort()).toEqual([...TERMINATION_REASONS].sort());
  });

  it('an OOM on a batch source runs once more with twice the memory; a timeout with twice the time', async () => {
    const fx = setup(2);
    const source = batchSource(({ task, attempt }) =>
      attempt > 1
        ? { exitStatus: 0 }
        : task === 'task_001'
          ? { exitStatus: null, reason: 'oom', detail: 'OUT_OF_MEMORY' }
          : { exitStatus: null, reason: 'timeout', detail: 'TIMEOUT' },
    );
    const result = await fx.run({ sources: [source], retries: 1, retryDelayMs: 1 });
    expect(result.counts.completed).toBe(2);
    const second = (t: string) => source.submitted.find((r) => r.task === t && r.attempt === 2)!;
    expect(second('task_001').scale).toEqual({ mem: 2, time: 1 });
    expect(second('task_002').scale).toEqual({ mem: 1, time: 2 });
    expect(source.submitted.filter((r) => r.attempt === 1).every((r) => r.scale === undefined)).toBe(true);
  });

  it('an OOM where memory cannot be raised is not retried (it would fail the same way)', async () => {
    const fx = setup(1);
    const local = new FakeSource('box', 1, () => ({ exitStatus: null, reason: 'oom', detail: 'killed' }));
    await fx.run({ sources: [local], retries: 3 });
    expect(local.submitted).toHaveLength(1);
    expect(fx.sweep.store.task('task_001')).toMatchObject({ status: 'failed', reason: 'oom' });
  });

  it('preemption and node failure are requeued at once without `retries`, up to 3 times; a failure is not', async () => {
    const fx = setup(2);
    const source = batchSource(({ task }) =>
      task === 'task_001'
        ? { exitStatus: null, reason: 'preempted', detail: 'PREEMPTED' }
        : { exitStatus: 3 },
    );
    const result = await fx.run({ sources: [source] });
    expect(result.counts.failed).toBe(2);
    expect(source.submitted.filter((r) => r.task === 'task_001')).toHaveLength(4);
    expect(source.submitted.filter((r) => r.task === 'task_002')).toHaveLength(1);
  });

  it('a lost attempt runs again by default; `retry: lost: none` is honoured', async () => {
    const lose = () => ({ exitStatus: null, reason: 'lost' as const, detail: 'no exit record' });
    const fx = setup(1);
    const rerun = batchSource(lose);
    await fx.run({ sources: [rerun] });
    expect(rerun.submitted).toHaveLength(3);
    const once = setup(1);
    const never = batchSource(lose);
    await once.run({ sources: [never], reasonRetry: { lost: { retries: 0 } } });
    expect(never.submitted).toHaveLength(1);
    expect(once.sweep.store.task('task_001')).toMatchObject({ status: 'lost', reason: 'lost' });
  });

  it('hsm_config.yaml overrides the table: `failed` retried twice, `node_fail` never', () => {
    const ctx = { attempt: 1, timesForReason: 1, defaultRetries: 0, diagnosis: null, scalesResources: false };
    const policy = { failed: { retries: 2 }, node_fail: { retries: 0 } };
    expect(retryAfter('failed', { ...ctx, policy }).retry).toBe(true);
    expect(retryAfter('failed', { ...ctx, policy, timesForReason: 3 }).retry).toBe(false);
    expect(retryAfter('node_fail', { ...ctx, policy }).retry).toBe(false);
    expect(retryAfter('node_fail', { ...ctx, policy: undefined })).toMatchObject({
      retry: true,
      atOnce: true,
    });
    expect(retryAfter('failed', { ...ctx, policy: undefined }).retry).toBe(false);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SweepEngine, type EngineOptions } from '../../src/engine/sweep-engine.js';
import { makeSweep, makeTasks } from '../helpers/sweep-fixture.js';
import { FakeSource } from './fake-source.js';

// The engine's rules at the port, with scripted sources (test/engine/fake-source.ts) over a real
// store and real task directories.

function setup(n: number) {
  const fx = makeSweep(makeTasks(Array.from({ length: n }, (_, i) => ['true', String(i)])));
  const run = (opts: Partial<EngineOptions> & Pick<EngineOptions, 'sources'>) =>
    new SweepEngine(fx.sweep.store, fx.workspace, {
      tasks: fx.sweep.store.tasks().map((t) => t.name),
      retries: 0,
      retryDelayMs: 1,
      timeoutMs: null,
      killGraceMs: 10,
      ...opts,
    }).run();
  return { ...fx, run };
}

describe('SweepEngine at the port', () => {
  it("takes a source's own verdict (OOM, node failure) when there is no exit record, and the record over the verdict", async () => {
    const fx = setup(3);
    const source = new FakeSource('sched', 3, ({ task }) =>
      task === 'task_001'
        ? { exitStatus: null, reason: 'oom', detail: 'job 12_1 exceeded its memory (sacct: OUT_OF_MEMORY)' }
        : task === 'task_002'
          ? { exitStatus: null, reason: 'node_fail', detail: 'node gpu3 failed' }
          : { exitStatus: null, reason: 'node_fail', detail: 'said to have failed' },
    );
    // task_003's runner did write an exit record: it outranks the source's word
    // (no requeue of the node failure here: the retry policy is tested in reason-retry.test.ts)
    const done = fx.run({ sources: [source], reasonRetry: { node_fail: { retries: 0 } } });
    await done;
    expect(fx.sweep.store.task('task_001')).toMatchObject({
      status: 'failed',
      reason: 'oom',
      detail: 'job 12_1 exceeded its memory (sacct: OUT_OF_MEMORY)',
    });
    expect(fx.sweep.store.task('task_002')).toMatchObject({ status: 'failed', reason: 'node_fail' });
    expect(source.submitted.map((r) => r.task)).toEqual(['task_001', 'task_002', 'task_003']);
    expect(source.submitted[0]).toMatchObject({ key: 'key1', argv: ['true', '0'], attempt: 1 });
    expect(readFileSync(`${source.submitted[0]!.localDir}/params.yaml`, 'utf8')).toContain('i: 1');
  });

  it('the exit record in the task directory outranks a verdict without exit status', async () => {
    const fx = setup(1);
    const { writeFileSync } = await import('node:fs');
    const source = new FakeSource('sched', 1, (r) => {
      writeFileSync(fx.sweep.paths.taskFile(r.task, 'exit'), `attempt=${r.attempt} exit=0\n`);
      return { exitStatus: null, reason: 'node_fail', detail: 'reported failed' };
    });
    await fx.run({ sources: [source] });
    expect(fx.sweep.store.task('task_001')).toMatchObject({ status: 'completed', exitCode: 0 });
  });

  it('polls several sources at once and hands tasks to whichever has a free slot', async () => {
    const fx = setup(40);
    FakeSource.maxPollsAtOnce = 0;
    const a = new FakeSource('a', 3, undefined, 40);
    const b = new FakeSource('b', 2, undefined, 40);
    const c = new FakeSource('c', 1, undefined, 40);
    const result = await fx.run({ sources: [a, b, c] });
    expect(result.counts.completed).toBe(40);
    expect(FakeSource.maxPollsAtOnce).toBe(3);
    expect(a.submitted.length + b.submitted.length + c.submitted.length).toBe(40);
    for (const s of [a, b, c]) expect(s.submitted.length).toBeGreaterThan(0);
    const rows = fx.sweep.store.tasks();
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['a', 'b', 'c']));
    expect(rows.every((r) => r.host === r.source)).toBe(true);
  });

  it('records a failed submit as submit_error, keeps running, and retries it', async () => {
    const fx = setup(4);
    const flaky = new FakeSource('flaky', 4);
    flaky.rejectSubmits = 1;
    const result = await fx.run({ sources: [flaky], retries: 0 });
    expect(result.interrupted).toBe(false);
    for (const row of fx.sweep.store.tasks()) {
      expect(row).toMatchObject({ status: 'failed', reason: 'submit_error' });
      expect(row.detail).toBe('flaky: the scheduler refused the job (fake)');
    }

    const fx2 = setup(4);
    const flaky2 = new FakeSource('flaky', 4);
    flaky2.rejectSubmits = 1;
    const result2 = await fx2.run({ sources: [flaky2], retries: 1 });
    expect(result2.counts.completed).toBe(4);
    expect(fx2.sweep.store.tasks().every((r) => r.attempts === 2)).toBe(true);
  });

  it('hands adopted attempts to their own source; one lost there runs again on a source of this run', async () => {
    const fx = setup(3);
    const now = Date.now();
    for (const name of ['task_001', 'task_002']) fx.workspace.prepareAttempt(fx.sweep.store.task(name)!, 1);
    fx.sweep.store.apply([
      { kind: 'queued', task: 'task_001', attempt: 1, source: 'remote', at: now },
      { kind: 'started', task: 'task_001', attempt: 1, handle: 'hostA:4242', host: 'hostA', at: now },
      { kind: 'queued', task: 'task_002', attempt: 1, source: 'remote', at: now },
      { kind: 'started', task: 'task_002', attempt: 1, handle: 'hostA:4243', host: 'hostA', at: now },
    ]);
    // task_001 is lost on its host (no exit record, process gone); task_002 ends well there
    const remote = new FakeSource('remote', 0, ({ task }) =>
      task === 'task_001'
        ? { exitStatus: null, detail: 'pid 4242 on hostA is gone, no exit record' }
        : { exitStatus: 0 },
    );
    const local = new FakeSource('local', 2);
    const rows = () => fx.sweep.store.tasks();
    const result = await fx.run({
      sources: [local],
      tasks: ['task_003'],
      adopted: rows()
        .filter((r) => r.status === 'running')
        .map((row) => ({
          row,
          attempt: 1,
          source: remote,
          handle: fx.sweep.store.attemptHandle(row.name, 1),
          startedAt: row.startedAt,
          localDir: fx.sweep.paths.taskDir(row.name),
        })),
    });
    expect(result.counts.completed).toBe(3);
    expect(remote.adopted.map((a) => [a.task, a.handle, a.host])).toEqual([
      ['task_001', 'hostA:4242', 'hostA'],
      ['task_002', 'hostA:4243', 'hostA'],
    ]);
    expect(remote.submitted).toEqual([]); // an adopt-only source takes no new task
    expect(local.submitted.map((r) => [r.task, r.attempt])).toEqual([
      ['task_003', 1],
      ['task_001', 2],
    ]);
    expect(fx.sweep.store.task('task_001')).toMatchObject({
      status: 'completed',
      attempts: 2,
      source: 'local',
    });
    expect(fx.sweep.store.task('task_002')).toMatchObject({
      status: 'completed',
      attempts: 1,
      source: 'remote',
    });
  });
});

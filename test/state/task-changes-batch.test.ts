import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/domain/outcome.js';
import type { TaskChange } from '../../src/engine/ports.js';
import { makeSweep, makeTasks } from '../helpers/sweep-fixture.js';

// A short task starts and ends within one round: the store writes its start and its end as one update
// of the task and one of the attempt. What it leaves must be exactly what the two changes applied one
// after the other leave (rows and events), and a refusal must still refuse the whole batch.

const T = 'task_001';
const queued: TaskChange = { kind: 'queued', task: T, attempt: 1, source: 'local', at: 10 };
const started: TaskChange = { kind: 'started', task: T, attempt: 1, handle: '4242', host: 'box', at: 20 };

function finished(status: 'completed' | 'failed', o: Partial<Outcome> = {}): TaskChange {
  return {
    kind: 'finished',
    task: T,
    attempt: 1,
    status,
    outcome: {
      exitCode: status === 'completed' ? 0 : 3,
      signal: null,
      reason: status === 'completed' ? 'completed' : 'failed',
      startedAt: 20,
      endedAt: 30,
      host: 'box',
      detail: status === 'completed' ? null : 'exit 3',
      ...o,
    },
  };
}

// The store's rows of a sweep that took `batches`, one transaction each.
function afterBatches(batches: TaskChange[][]) {
  const { sweep } = makeSweep(makeTasks([['true'], ['true']]));
  for (const b of batches) sweep.store.apply(b);
  const db = new Database(sweep.paths.db, { readonly: true });
  try {
    return {
      tasks: db.prepare('SELECT * FROM tasks ORDER BY idx').all(),
      attempts: db.prepare('SELECT * FROM attempts ORDER BY task_idx, attempt').all(),
      events: db.prepare('SELECT at, task, kind, data FROM events WHERE task IS NOT NULL ORDER BY id').all(),
    };
  } finally {
    db.close();
    sweep.store.close();
  }
}

describe('an attempt started and ended in one batch', () => {
  const cases: [string, TaskChange][] = [
    ['completed', finished('completed')],
    ['failed', finished('failed')],
    // an outcome without a start time or host of its own keeps the start's
    ['completed, outcome without start or host', finished('completed', { startedAt: null, host: null })],
  ];
  for (const [name, end] of cases) {
    it(`leaves the rows and events of two separate commits (${name})`, () => {
      const fused = afterBatches([[queued], [started, end]]);
      const apart = afterBatches([[queued], [started], [end]]);
      expect(fused).toEqual(apart);
      expect(fused.events.map((e) => (e as { kind: string }).kind)).toEqual([
        'task:queued',
        'task:started',
        `task:${(end as { status: string }).status}`,
      ]);
      expect(fused.attempts[0]).toMatchObject({ pid: 4242, host: 'box', started_at: 20, ended_at: 30 });
    });
  }

  it('with other tasks changing around it, in one batch from queued', () => {
    const other = (c: TaskChange): TaskChange => ({ ...c, task: 'task_002' }) as TaskChange;
    const fused = afterBatches([
      [queued, other(queued)],
      [other(started), started, other(finished('failed')), finished('completed')],
    ]);
    const apart = afterBatches([
      [queued, other(queued)],
      [other(started)],
      [started],
      [other(finished('failed'))],
      [finished('completed')],
    ]);
    expect(fused.tasks).toEqual(apart.tasks);
    expect(fused.attempts).toEqual(apart.attempts);
    expect(fused.events.length).toBe(apart.events.length);
  });

  it('is refused whole when the start is not legal (the attempt was never queued)', () => {
    const { sweep } = makeSweep(makeTasks([['true']]));
    expect(() => sweep.store.apply([started, finished('completed')])).toThrow(
      /refused to record task task_001 attempt 1 as running/,
    );
    expect(sweep.store.task(T)).toMatchObject({ status: 'pending', attempts: 0 });
    sweep.store.close();
  });

  it('is refused whole when the end is not legal, naming the end', () => {
    const { sweep } = makeSweep(makeTasks([['true']]));
    sweep.store.apply([queued]);
    const toPending = { ...finished('completed'), status: 'queued' } as TaskChange; // running -> queued: illegal
    expect(() => sweep.store.apply([started, toPending])).toThrow(
      /refused to record task task_001 attempt 1 as queued/,
    );
    expect(sweep.store.task(T)).toMatchObject({ status: 'queued', startedAt: null });
    sweep.store.close();
  });
});

describe("an ended attempt's metrics", () => {
  it('are committed with the next batch, in its transaction', () => {
    const { sweep } = makeSweep(makeTasks([['true']]));
    sweep.store.apply([queued]);
    sweep.store.findings.queueMetrics({ task: T, attempt: 1, metrics: { loss: 0.5 } });
    expect(sweep.store.findings.metricsRows()[0]![3]).toBeNull(); // not yet: queued
    sweep.store.apply([started, finished('completed')]);
    expect(JSON.parse(sweep.store.findings.metricsRows()[0]![3]!)).toEqual({ loss: 0.5 });
    expect(sweep.store.findings.queuedMetrics).toBe(0);
    sweep.store.close();
  });

  it('stay queued when the batch is rolled back, and are written by the next one', () => {
    const { sweep } = makeSweep(makeTasks([['true']]));
    sweep.store.findings.queueMetrics({ task: T, attempt: 1, metrics: { loss: 0.25 } });
    expect(() => sweep.store.apply([started])).toThrow(/refused/); // never queued: illegal
    expect(sweep.store.findings.metricsRows()[0]![3]).toBeNull();
    expect(sweep.store.findings.queuedMetrics).toBe(1);
    sweep.store.apply([queued]);
    expect(JSON.parse(sweep.store.findings.metricsRows()[0]![3]!)).toEqual({ loss: 0.25 });
    sweep.store.close();
  });

  it('are written on their own by flushMetrics when no batch comes', () => {
    const { sweep } = makeSweep(makeTasks([['true']]));
    sweep.store.apply([queued]);
    sweep.store.findings.queueMetrics({ task: T, attempt: 1, metrics: { acc: 1 } });
    sweep.store.findings.flushMetrics();
    expect(JSON.parse(sweep.store.findings.metricsRows()[0]![3]!)).toEqual({ acc: 1 });
    sweep.store.close();
  });
});

import { describe, expect, it } from 'vitest';
import type { TaskChange } from '../../src/engine/ports.js';
import { makeSweep } from '../helpers/sweep-fixture.js';

// The dashboard's task table in SQL: filters, sorts (columns, parameters, metrics; rows without the
// value last both ways), pages, counts; and the key tables behind parameter/metric sorts follow the
// store as tasks end.

function fixture() {
  const tasks = Array.from({ length: 30 }, (_, i) => ({
    index: i + 1,
    name: `task_${String(i + 1).padStart(3, '0')}`,
    key: `k${i + 1}`,
    params: { lr: [0.1, 0.01, 0.001][i % 3]!, seed: 30 - i },
    argv: ['true'],
  }));
  const { sweep } = makeSweep(tasks);
  const finish = (n: number, ok: boolean, loss: number | null) => {
    const task = tasks[n - 1]!.name;
    const changes: TaskChange[] = [
      { kind: 'queued', task, attempt: 1, source: n % 2 ? 'local' : 'gpu', at: n },
      { kind: 'started', task, attempt: 1, handle: '1', host: 'h', at: n },
      {
        kind: 'finished',
        task,
        attempt: 1,
        status: ok ? 'completed' : 'failed',
        outcome: {
          exitCode: ok ? 0 : 1,
          signal: null,
          reason: ok ? 'completed' : 'failed',
          startedAt: 1000,
          endedAt: 1000 + n * 10,
          host: 'h',
          detail: null,
        },
      },
    ];
    sweep.store.apply(changes);
    if (loss !== null) sweep.store.findings.recordMetrics([{ task, attempt: 1, metrics: { loss } }]);
  };
  for (let n = 1; n <= 20; n++) finish(n, n % 4 !== 0, n % 4 === 0 ? null : (n * 7) % 11);
  return { sweep, finish };
}

describe('task table', () => {
  it('filters by status, source, name and where conditions, and counts what matches', () => {
    const { sweep } = fixture();
    const t = sweep.store.table;
    expect(t.page({ statuses: ['failed'] }).total).toBe(5);
    expect(t.page({ statuses: ['pending'] }).rows.map((r) => r.name)[0]).toBe('task_021');
    expect(t.page({ source: 'gpu' }).total).toBe(10);
    expect(t.page({ name: '01' }).rows.map((r) => r.name)).toEqual([
      'task_001',
      'task_010',
      'task_011',
      'task_012',
      'task_013',
      'task_014',
      'task_015',
      'task_016',
      'task_017',
      'task_018',
      'task_019',
    ]);
    const where = t.page({
      where: [
        { key: 'lr', op: '=', value: 0.01 },
        { key: 'loss', op: '<', value: 5 },
      ],
    });
    expect(where.rows.every((r) => JSON.parse(r.params).lr === 0.01 && JSON.parse(r.metrics!).loss < 5)).toBe(
      true,
    );
    expect(where.total).toBe(where.rows.length);
    expect(where.total).toBeGreaterThan(0);
  });

  it('sorts by a metric both ways with rows lacking it last, and pages', () => {
    const { sweep } = fixture();
    const t = sweep.store.table;
    const losses = (rows: { metrics: string | null }[]) =>
      rows.map((r) =>
        r.metrics === null ? null : ((JSON.parse(r.metrics) as { loss?: number }).loss ?? null),
      );
    const up = losses(t.page({ sort: 'loss', limit: 1000 }).rows);
    const valued = up.filter((v) => v !== null) as number[];
    expect(valued).toEqual([...valued].sort((a, b) => a - b));
    expect(up.slice(valued.length).every((v) => v === null)).toBe(true);
    const down = losses(t.page({ sort: 'metrics.loss', descending: true, limit: 1000 }).rows);
    expect(down.slice(0, valued.length)).toEqual([...valued].sort((a, b) => b - a));
    const page2 = t.page({ sort: 'loss', offset: 5, limit: 5 });
    expect(losses(page2.rows)).toEqual(up.slice(5, 10));
    expect(page2.total).toBe(30);
    // a parameter, and a column
    const seeds = t.page({ sort: 'seed', limit: 3 }).rows.map((r) => JSON.parse(r.params).seed);
    expect(seeds).toEqual([1, 2, 3]);
    expect(t.page({ sort: 'duration', descending: true, limit: 1 }).rows[0]!.name).toBe('task_020');
  });

  it('keeps a metric sort true as more tasks end', () => {
    const { sweep, finish } = fixture();
    const t = sweep.store.table;
    expect(t.page({ sort: 'loss', limit: 1 }).rows[0]!.name).not.toBe('task_025');
    finish(25, true, -1);
    expect(t.page({ sort: 'loss', limit: 1 }).rows[0]!.name).toBe('task_025');
    expect(t.page({ statuses: ['completed'] }).total).toBe(16);
  });

  it('refuses a key that is not a name, with the columns it knows', () => {
    const { sweep } = fixture();
    expect(() => sweep.store.table.page({ sort: "x'); DROP TABLE tasks; --" })).toThrow(
      /not a column, parameter or metric name/,
    );
  });
});

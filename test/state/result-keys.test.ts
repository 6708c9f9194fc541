import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Params } from '../../src/domain/params.js';
import { readMetricKeys, readParamKeys } from '../../src/state/result-keys.js';
import { openSweepDirectory } from '../../src/state/sweep-directory.js';
import { makeSweep } from '../helpers/sweep-fixture.js';

// The names `hsm results` lists are kept in the store as they arise; a kept list is used only while
// it is what reading every task would give (first-seen order), else every task is read.

function fixture() {
  const tasks = [1, 2, 3].map((i) => ({
    index: i,
    name: `task_00${i}`,
    key: `k${i}`,
    params: (i === 2 ? { z: i, lr: 0.1, extra: true } : { z: i, lr: 0.1 }) as Params,
    argv: ['true'],
  }));
  const { sweep } = makeSweep(tasks);
  const store = sweep.store;
  const attempt = (task: string, n: number, metrics: Record<string, unknown>) => {
    store.apply([
      { kind: 'queued', task, attempt: n, source: 'local', at: n },
      { kind: 'started', task, attempt: n, handle: '1', host: 'h', at: n },
      {
        kind: 'finished',
        task,
        attempt: n,
        status: 'failed',
        outcome: {
          exitCode: 1,
          signal: null,
          reason: 'failed',
          startedAt: n,
          endedAt: n,
          host: 'h',
          detail: null,
        },
      },
    ]);
    store.findings.recordMetrics([{ task, attempt: n, metrics }]);
  };
  const db = () => new Database(sweep.paths.db, { readonly: true });
  return { sweep, store, attempt, db };
}

describe('result keys', () => {
  it('parameter names are recorded with the tasks, in first-seen order', () => {
    const { db } = fixture();
    const conn = db();
    expect(readParamKeys(conn)).toEqual(['z', 'lr', 'extra']);
    conn.close();
  });

  it('metric names: the kept list while it holds, every task read when the first task of a name ran again without it', () => {
    const { store, attempt, db } = fixture();
    attempt('task_002', 1, { b: 1, '2': 0, c: 1 });
    attempt('task_001', 1, { a: 1, b: 2 });
    attempt('task_003', 1, {});
    const conn = db();
    // JSON.stringify puts integer-like names first: the order the texts hold
    expect(readMetricKeys(conn)).toEqual(['a', 'b', '2', 'c']);
    expect(store.findings.metricsJson(null)!.metricKeys).toEqual(['a', 'b', '2', 'c']);

    // task_001 runs again and reports only b: `a` is gone, b's first task is still task_001
    attempt('task_001', 2, { b: 3 });
    expect(readMetricKeys(conn)).toBeNull();
    expect(store.findings.metricsJson(null)!.metricKeys).toEqual(['b', '2', 'c']);
    // task_002's attempt 2 has not reported yet: its names no longer count
    store.apply([{ kind: 'queued', task: 'task_002', attempt: 2, source: 'local', at: 9 }]);
    expect(store.findings.metricsJson(null)!.metricKeys).toEqual(['b']);
    conn.close();
  });

  it('a store whose metrics were recorded before the names were kept gets them from those metrics when opened to run', () => {
    const { sweep, attempt, db } = fixture();
    attempt('task_002', 1, { b: 1, c: 1 });
    attempt('task_001', 1, { a: 1, b: 2 });
    const w = new Database(sweep.paths.db);
    w.exec('DROP TABLE metric_keys');
    w.close();
    const conn = db();
    expect(readMetricKeys(conn)).toBeNull();
    openSweepDirectory(sweep.paths.dir).store.close();
    expect(readMetricKeys(conn)).toEqual(['a', 'b', 'c']);
    conn.close();
  });
});

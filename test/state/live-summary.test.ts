import { describe, expect, it, vi } from 'vitest';
import type { TaskChange } from '../../src/engine/ports.js';
import { LiveSummary } from '../../src/state/live-summary.js';
import { makeSweep, makeTasks } from '../helpers/sweep-fixture.js';

// The dashboard's live status follows the store from its events, reading only the tasks that
// changed: it must give the numbers the store's own summary() gives after any sequence of changes
// (retries of the task that held the span's start, withdrawals, a source left by all its tasks).

const name = (n: number) => `task_${String(n).padStart(3, '0')}`;
const queued = (n: number, attempt: number, source: string, at: number): TaskChange => ({
  kind: 'queued',
  task: name(n),
  attempt,
  source,
  at,
});
const started = (n: number, attempt: number, at: number): TaskChange => ({
  kind: 'started',
  task: name(n),
  attempt,
  handle: String(n),
  host: 'h',
  at,
});
const finished = (n: number, attempt: number, ok: boolean, start: number, end: number): TaskChange => ({
  kind: 'finished',
  task: name(n),
  attempt,
  status: ok ? 'completed' : 'failed',
  outcome: {
    exitCode: ok ? 0 : 1,
    signal: null,
    reason: ok ? 'completed' : 'failed',
    startedAt: start,
    endedAt: end,
    host: 'h',
    detail: null,
  },
});

describe('live summary', () => {
  it('equals summary() after every change, reading only the tasks that changed', () => {
    const { sweep } = makeSweep(makeTasks(Array.from({ length: 12 }, () => ['true'])));
    const store = sweep.store;
    const live = new LiveSummary(store.table, (read) => store.snapshot(read));
    const rowsRead = vi.spyOn(store.table, 'summaryRows');
    const check = () => expect(live.current()).toEqual(store.summary());

    check(); // all pending
    expect(rowsRead.mock.results.at(-1)!.value).toHaveLength(12);

    const run = (n: number, source: string, ok: boolean, start: number, end: number) =>
      store.apply([queued(n, 1, source, start), started(n, 1, start), finished(n, 1, ok, start, end)]);
    run(1, 'gpu', false, 100, 150); // holds the span's start
    run(2, 'local', true, 120, 400); // holds the span's end
    run(3, 'local', true, 130, 200);
    store.apply([queued(4, 1, 'local', 140), started(4, 1, 140)]);
    store.apply([queued(5, 1, 'local', 141)]);
    check();
    expect(rowsRead.mock.results.at(-1)!.value).toHaveLength(5);

    // nothing new: nothing read
    const calls = rowsRead.mock.calls.length;
    check();
    expect(rowsRead.mock.calls.length).toBe(calls);

    // task_001, the gpu source's only task and the span's start, runs again on local: gpu goes, the
    // span's start moves to task_002's
    store.apply([queued(1, 2, 'local', 500)]);
    check();
    expect(live.current().bySource.gpu).toBeUndefined();
    expect(live.current().firstStart).toBe(120);
    store.apply([started(1, 2, 510), finished(1, 2, true, 510, 600)]);
    // task_005 handed back before it started (withdrawn): pending again
    store.apply([{ kind: 'reset', task: name(5), status: 'pending', at: 610 }]);
    check();
    expect(live.current().lastEnd).toBe(600);
    expect(live.current().counts).toMatchObject({ completed: 3, running: 1, pending: 8 });
  });
});

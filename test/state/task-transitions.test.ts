import { describe, expect, it } from 'vitest';
import { HsmError } from '../../src/domain/errors.js';
import type { Outcome } from '../../src/domain/outcome.js';
import { TASK_STATUSES, canTransition, type TaskStatus } from '../../src/domain/task.js';
import type { TaskChange } from '../../src/engine/ports.js';
import type { SweepStore } from '../../src/state/sweep-store.js';
import { makeSweep, makeTasks } from '../helpers/sweep-fixture.js';

// The store enforces the status transition table of domain/task.ts: every change it is asked to
// record is checked against what it holds, and an illegal one is refused loudly (an internal error:
// a bug in hsm), with nothing of its batch applied.

const T = 'task_001';

function outcome(reason: Outcome['reason']): Outcome {
  return { exitCode: null, signal: null, reason, startedAt: 1, endedAt: 2, host: 'h', detail: null };
}

function finished(status: TaskStatus, attempt = 1): TaskChange {
  const reason = status === 'completed' || status === 'cancelled' || status === 'lost' ? status : 'failed';
  return { kind: 'finished', task: T, attempt, status, outcome: outcome(reason) };
}

// Legal ways into each status, from a fresh (pending) task: attempt 1.
const INTO: Record<TaskStatus, TaskChange[]> = {
  pending: [],
  queued: [{ kind: 'queued', task: T, attempt: 1, source: 'local', at: 1 }],
  running: [
    { kind: 'queued', task: T, attempt: 1, source: 'local', at: 1 },
    { kind: 'started', task: T, attempt: 1, handle: '42', host: 'h', at: 1 },
  ],
  completed: [{ kind: 'queued', task: T, attempt: 1, source: 'local', at: 1 }, finished('completed')],
  failed: [{ kind: 'queued', task: T, attempt: 1, source: 'local', at: 1 }, finished('failed')],
  cancelled: [{ kind: 'queued', task: T, attempt: 1, source: 'local', at: 1 }, finished('cancelled')],
  lost: [{ kind: 'queued', task: T, attempt: 1, source: 'local', at: 1 }, finished('lost')],
};

// The change that moves a task in `from` (attempt 1 or none) to `to`.
function changeTo(from: TaskStatus, to: TaskStatus): TaskChange {
  switch (to) {
    case 'queued':
      return { kind: 'queued', task: T, attempt: from === 'pending' ? 1 : 2, source: 'local', at: 3 };
    case 'running':
      return { kind: 'started', task: T, attempt: 1, handle: '43', host: 'h', at: 3 };
    case 'pending':
      return { kind: 'reset', task: T, status: 'pending', at: 3 };
    default:
      return finished(to);
  }
}

function storeIn(status: TaskStatus): SweepStore {
  const { sweep } = makeSweep(makeTasks([['true'], ['true']]));
  sweep.store.apply(INTO[status]);
  expect(sweep.store.task(T)!.status).toBe(status);
  return sweep.store;
}

function refusal(store: SweepStore, changes: TaskChange[]): HsmError {
  try {
    store.apply(changes);
  } catch (err) {
    expect(err).toBeInstanceOf(HsmError);
    expect((err as HsmError).code).toBe('internal');
    return err as HsmError;
  }
  throw new Error('the store recorded the change');
}

describe('the status transition table, enforced by the store', () => {
  // every (from, to) pair: accepted exactly when the table allows it (a start reported again for the
  // running attempt is accepted as no change)
  for (const from of TASK_STATUSES)
    for (const to of TASK_STATUSES) {
      const legal = canTransition(from, to) || (from === 'running' && to === 'running');
      it(`${from} -> ${to}: ${legal ? 'recorded' : 'refused'}`, () => {
        const store = storeIn(from);
        if (legal) {
          store.apply([changeTo(from, to)]);
          expect(store.task(T)!.status).toBe(to);
        } else {
          const err = refusal(store, [changeTo(from, to)]);
          expect(err.message).toContain(T);
          expect(err.details).toMatchObject({ from, to });
          expect(store.task(T)!.status).toBe(from);
        }
      });
    }

  it('a completed task is never queued again', () => {
    const store = storeIn('completed');
    const err = refusal(store, [{ kind: 'queued', task: T, attempt: 2, source: 'local', at: 5 }]);
    expect(err.message).toMatch(/completed -> queued is not a legal status change/);
  });

  it('an attempt number that is not newer than the last one is refused', () => {
    const store = storeIn('failed');
    const err = refusal(store, [{ kind: 'queued', task: T, attempt: 1, source: 'local', at: 5 }]);
    expect(err.message).toMatch(/attempt 1 is not newer than the task's attempt 1/);
  });

  it("the start or end of an attempt that is not the task's current one is refused", () => {
    const store = storeIn('running');
    store.apply([finished('failed'), { kind: 'queued', task: T, attempt: 2, source: 'local', at: 5 }]);
    const late = refusal(store, [{ kind: 'started', task: T, attempt: 1, handle: '9', host: 'h', at: 6 }]);
    expect(late.message).toMatch(/attempt 1 is not the task's current attempt \(2\)/);
    const stale = refusal(store, [finished('completed', 1)]);
    expect(stale.message).toMatch(/attempt 1 is not the task's current attempt \(2\)/);
    expect(store.task(T)).toMatchObject({ status: 'queued', attempts: 2 });
  });

  it('a task the store does not have is refused', () => {
    const store = storeIn('pending');
    const err = refusal(store, [{ kind: 'queued', task: 'task_999', attempt: 1, source: 'local', at: 1 }]);
    expect(err.message).toMatch(/task_999.*no such task/);
  });

  it('a refused change rolls its whole batch back', () => {
    const store = storeIn('pending');
    refusal(store, [
      { kind: 'queued', task: 'task_002', attempt: 1, source: 'local', at: 1 },
      { kind: 'started', task: T, attempt: 1, handle: '1', host: 'h', at: 1 }, // pending -> running
    ]);
    expect(store.task('task_002')!.status).toBe('pending');
    expect(store.task(T)!.status).toBe('pending');
  });

  it('the recovery paths are legal: withdrawn before it started, records found after a loss', () => {
    const store = storeIn('queued');
    store.apply([finished('cancelled'), { kind: 'reset', task: T, status: 'pending', at: 4 }]);
    expect(store.task(T)!.status).toBe('pending');
    store.apply([{ kind: 'queued', task: T, attempt: 2, source: 'local', at: 5 }, finished('lost', 2)]);
    // reconcile: the attempt's start and exit records turned up in its task directory
    store.apply([
      { kind: 'started', task: T, attempt: 2, handle: '7', host: 'h', at: 6 },
      finished('completed', 2),
    ]);
    expect(store.task(T)).toMatchObject({ status: 'completed', attempts: 2 });
  });
});

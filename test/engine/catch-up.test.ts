import { describe, expect, it } from 'vitest';
import type { TaskRow } from '../../src/engine/ports.js';
import { catchUpTask } from '../../src/engine/reconcile.js';

// What `hsm status` takes in for a task left on a batch scheduler while no hsm follows it: the
// records of the attempt the store waits for, nothing else.

function row(over: Partial<TaskRow>): TaskRow {
  return {
    index: 1,
    name: 'task_001',
    key: 'k',
    params: {},
    argv: ['true'],
    status: 'queued',
    source: 'cluster',
    attempts: 2,
    exitCode: null,
    signal: null,
    reason: null,
    startedAt: null,
    endedAt: null,
    host: null,
    detail: null,
    ...over,
  };
}

const started = { pid: 42, host: 'node2', at: 1000 };

describe('catchUpTask', () => {
  it('a queued task whose job started and exited 0: started, then completed', () => {
    const changes = catchUpTask(row({}), { attempt: 2, started, exit: { exit: 0, at: 5000 } });
    expect(changes.map((c) => c.kind)).toEqual(['started', 'finished']);
    expect(changes[1]).toMatchObject({ attempt: 2, status: 'completed' });
  });

  it('a running task whose job exited 3: failed, with its exit code; no second start', () => {
    const changes = catchUpTask(row({ status: 'running', startedAt: 1000, host: 'node2' }), {
      attempt: 2,
      started,
      exit: { exit: 3, at: 5000 },
    });
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'finished', status: 'failed', outcome: { exitCode: 3 } });
  });

  it('only started: running; nothing recorded, another attempt, or an ended task: nothing', () => {
    expect(catchUpTask(row({}), { attempt: 2, started, exit: null }).map((c) => c.kind)).toEqual(['started']);
    expect(catchUpTask(row({}), { attempt: 2, started: null, exit: null })).toEqual([]);
    expect(catchUpTask(row({}), { attempt: 1, started, exit: { exit: 0, at: 1 } })).toEqual([]);
    expect(
      catchUpTask(row({ status: 'completed' }), { attempt: 2, started, exit: { exit: 0, at: 1 } }),
    ).toEqual([]);
  });
});

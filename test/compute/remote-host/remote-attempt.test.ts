import { describe, expect, it } from 'vitest';
import { judgeTaskState, remoteAttempt } from '../../../src/compute/remote-host/remote-attempt.js';
import type { TaskState } from '../../../src/compute/remote-host/remote-scripts.js';

const state = (s: TaskState['state'], pid: number, rc: number | null = null): TaskState => ({
  dir: 'task_001',
  attempt: 1,
  state: s,
  pid,
  rc,
});
const task = { task: 'task_001', attempt: 1, localDir: '/x' };

describe('what a status round says about an attempt in flight', () => {
  it("an exit record read while the agent still has the task is an earlier sweep's, not this attempt's", () => {
    const t = remoteAttempt(task, null, 1000);
    expect(judgeTaskState(t, state('exit', 77, 0), true, 'n1', 2000)).toEqual({ kind: 'none' });
    // once the agent is gone (or the grace has passed) the record is believed
    expect(judgeTaskState(t, state('exit', 77, 0), false, 'n1', 2000)).toEqual({
      kind: 'finished',
      rc: 0,
      startedPid: 77,
    });
  });

  it('a record naming another process than the one started is ignored', () => {
    const t = remoteAttempt(task, 50, 1000);
    expect(judgeTaskState(t, state('exit', 51, 0), false, 'n1', 2000)).toEqual({ kind: 'none' });
    expect(judgeTaskState(t, state('exit', 50, 3), false, 'n1', 2000)).toEqual({ kind: 'finished', rc: 3 });
  });

  it('a vanished process is given one round to write its exit record, then it is lost', () => {
    const t = remoteAttempt(task, null, null);
    expect(judgeTaskState(t, state('gone', 9), false, 'n1', 0)).toEqual({ kind: 'started', pid: 9 });
    t.pid = 9;
    expect(judgeTaskState(t, state('gone', 9), false, 'n1', 0)).toEqual({
      kind: 'finished',
      rc: null,
      detail: 'process 9 on n1 is gone and left no exit record',
    });
  });

  it('a running process resets the count; withdrawn twice is never started; waiting without an agent is withdrawn', () => {
    const t = remoteAttempt(task, 9, null);
    expect(judgeTaskState(t, state('gone', 9), false, 'n1', 0)).toEqual({ kind: 'none' });
    expect(judgeTaskState(t, state('run', 9), false, 'n1', 0)).toEqual({ kind: 'none' });
    expect(t.goneRounds).toBe(0);
    const w = remoteAttempt(task, null, null);
    expect(judgeTaskState(w, state('skip', 0), false, 'n1', 0)).toEqual({ kind: 'none' });
    expect(judgeTaskState(w, state('skip', 0), false, 'n1', 0)).toEqual({
      kind: 'never-started',
      detail: 'withdrawn before it started',
    });
    const sent = remoteAttempt(task, null, 1000);
    expect(judgeTaskState(sent, state('wait', 0), true, 'n1', 2000)).toEqual({ kind: 'none' });
    expect(judgeTaskState(sent, state('wait', 0), true, 'n1', 20_000)).toEqual({ kind: 'withdraw' });
  });
});

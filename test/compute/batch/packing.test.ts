import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packIntoElements, reservedAttempt, stopPackedAttempt } from '../../../src/compute/batch/packing.js';
import {
  ACCOUNTING_GRACE_MS,
  judgeAttempt,
  type AttemptView,
} from '../../../src/compute/batch/judge-attempt.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// The packing decision and how a packed attempt is judged: its own exit record is final (the
// element's verdict belongs to the task that was running when it ended), and a task the allocation
// never reached goes back to pending, unless its records were reserved (it may have run: lost).
const now = 1_000_000;
const view = (over: Partial<AttemptView>): AttemptView => ({
  queue: null,
  leftQueueAt: now - 1000,
  accounting: null,
  verdict: null,
  started: null,
  exit: null,
  cancelRequested: false,
  now,
  packed: true,
  elementRan: true,
  reserved: false,
  ...over,
});
const timeout = { reason: 'timeout' as const, detail: 'DUE TO TIME LIMIT' };

describe('packing', () => {
  it('fills elements in order, the last one with what is left', () => {
    expect(packIntoElements([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(packIntoElements([1, 2], 1)).toEqual([[1], [2]]);
  });

  it("judges a packed task by its own exit record, not by its element's verdict", () => {
    const ran = { host: 'node1', at: now - 5000 };
    expect(judgeAttempt(view({ started: ran, exit: { exit: 3, at: now }, verdict: timeout }))).toEqual({
      kind: 'finished',
      exitStatus: 3,
    });
    // still in the queue (its element runs the others): final at once
    expect(
      judgeAttempt(view({ queue: 'unknown', leftQueueAt: null, started: ran, exit: { exit: 143, at: now } })),
    ).toEqual({ kind: 'finished', exitStatus: 143 });
    // the one running when the element hit its time limit gets the element's verdict
    expect(judgeAttempt(view({ started: ran, verdict: timeout }))).toMatchObject({ reason: 'timeout' });
  });

  it('a task the allocation never reached goes back to pending; a reserved one is lost', () => {
    expect(judgeAttempt(view({ verdict: timeout }))).toEqual({
      kind: 'finished',
      exitStatus: null,
      neverStarted: true,
    });
    expect(judgeAttempt(view({ verdict: timeout, reserved: true }))).toMatchObject({ reason: 'lost' });
    // no word from accounting yet: waits for it a while, then decides the same
    expect(judgeAttempt(view({}))).toEqual({ kind: 'wait' });
    expect(judgeAttempt(view({ leftQueueAt: now - ACCOUNTING_GRACE_MS }))).toMatchObject({
      neverStarted: true,
    });
    // an element that never ran anything failed before its first task: not put back forever
    expect(
      judgeAttempt(view({ elementRan: false, verdict: { reason: 'failed', detail: 'x' } })),
    ).toMatchObject({ reason: 'failed' });
  });

  it('stops one attempt through its directory: kill with the grace, or withdraw one not started', () => {
    const dir = makeTempDir('hsm-packing-');
    stopPackedAttempt(dir, 2, true, 4500);
    expect(readFileSync(join(dir, 'kill.2'), 'utf8')).toBe('5');
    stopPackedAttempt(dir, 3, false, 4500);
    expect(readFileSync(join(dir, 'withdrawn.3'), 'utf8')).toBe('');
    expect(readFileSync(join(dir, 'kill.3'), 'utf8')).toBe('0');
    writeFileSync(join(dir, 'started'), 'attempt=3\n');
    expect(reservedAttempt(dir, 3)).toBe(true);
    expect(reservedAttempt(dir, 2)).toBe(false);
  });
});

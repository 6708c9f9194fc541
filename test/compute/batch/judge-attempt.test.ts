import { describe, expect, it } from 'vitest';
import type { AccountingEntry } from '../../../src/compute/batch/batch-dialect.js';
import {
  ACCOUNTING_GRACE_MS,
  judgeAttempt,
  LOST_AFTER_MS,
  type AttemptView,
} from '../../../src/compute/batch/judge-attempt.js';
import { slurmDialect } from '../../../src/compute/slurm/slurm-dialect.js';

// The order of evidence for an attempt in a batch job: exit record, then the scheduler's
// accounting once the element left the queue, then "lost" only after a long silence.
const acct = (state: string, over: Partial<AccountingEntry> = {}): AccountingEntry => ({
  jobId: '7',
  index: 0,
  state,
  exitCode: 0,
  signal: null,
  reason: null,
  node: 'node2',
  restarts: 0,
  startedAt: null,
  endedAt: null,
  comment: null,
  ...over,
});
const now = 1_000_000;
const view = (over: Partial<AttemptView>): AttemptView => ({
  queue: null,
  leftQueueAt: now,
  accounting: null,
  verdict: null,
  started: { host: 'node2', at: now - 5000 },
  exit: null,
  cancelRequested: false,
  now,
  ...over,
});
const withAcct = (state: string, over: Partial<AttemptView> = {}) => {
  const a = acct(state);
  return view({ accounting: a, verdict: slurmDialect.verdict(a), ...over });
};

describe('judging an attempt in a batch job', () => {
  it('exit 0 is completed whatever the queue says', () => {
    expect(judgeAttempt(view({ queue: 'unknown', exit: { exit: 0, at: now } }))).toEqual({
      kind: 'finished',
      exitStatus: 0,
    });
  });

  it('a non-zero exit waits for accounting, then for its grace, and takes the scheduler reason', () => {
    expect(judgeAttempt(view({ exit: { exit: 137, at: now } }))).toEqual({ kind: 'wait' });
    expect(judgeAttempt(withAcct('OUT_OF_MEMORY', { exit: { exit: 137, at: now } }))).toMatchObject({
      kind: 'finished',
      exitStatus: 137,
      reason: 'oom',
    });
    expect(judgeAttempt(withAcct('FAILED', { exit: { exit: 3, at: now } }))).toEqual({
      kind: 'finished',
      exitStatus: 3,
      accounted: true,
    });
    // a SIGKILL (128+9) that accounting does not call OUT_OF_MEMORY: said so, for the engine not
    // to guess an OOM; after the grace without accounting nothing is said
    expect(judgeAttempt(withAcct('FAILED', { exit: { exit: 137, at: now } }))).toEqual({
      kind: 'finished',
      exitStatus: 137,
      accounted: true,
    });
    expect(
      judgeAttempt(view({ exit: { exit: 3, at: now }, leftQueueAt: now - ACCOUNTING_GRACE_MS })),
    ).toEqual({ kind: 'finished', exitStatus: 3 });
  });

  it('no exit record: the scheduler says timeout, node failure, preemption', () => {
    expect(judgeAttempt(withAcct('TIMEOUT'))).toMatchObject({ exitStatus: null, reason: 'timeout' });
    expect(judgeAttempt(withAcct('NODE_FAIL'))).toMatchObject({ reason: 'node_fail' });
    expect(judgeAttempt(withAcct('PREEMPTED'))).toMatchObject({ reason: 'preempted' });
    expect(judgeAttempt(withAcct('COMPLETED'))).toMatchObject({ reason: 'lost' });
  });

  it('still queued, or the queue unknown (controller restarting): wait', () => {
    expect(judgeAttempt(view({ queue: 'unknown', leftQueueAt: null }))).toEqual({ kind: 'wait' });
    expect(judgeAttempt(withAcct('TIMEOUT', { queue: 'unknown', leftQueueAt: null }))).toEqual({
      kind: 'wait',
    });
  });

  it('accounting lagging behind the queue is awaited; lost only after a long silence', () => {
    expect(judgeAttempt(withAcct('RUNNING'))).toEqual({ kind: 'wait' });
    expect(judgeAttempt(view({ leftQueueAt: now - LOST_AFTER_MS + 1 }))).toEqual({ kind: 'wait' });
    expect(judgeAttempt(view({ leftQueueAt: now - LOST_AFTER_MS }))).toMatchObject({
      kind: 'finished',
      reason: 'lost',
    });
  });

  it('cancelled before it started: never started when hsm cancelled it, cancelled when someone else did', () => {
    expect(judgeAttempt(withAcct('CANCELLED', { started: null, cancelRequested: true }))).toEqual({
      kind: 'finished',
      exitStatus: null,
      neverStarted: true,
    });
    expect(judgeAttempt(withAcct('CANCELLED', { started: null }))).toMatchObject({ reason: 'cancelled' });
    expect(judgeAttempt(withAcct('FAILED', { started: null }))).toMatchObject({
      reason: 'failed',
      detail: expect.stringContaining('the job ended before the task started'),
    });
  });
});

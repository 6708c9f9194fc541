import { describe, expect, it } from 'vitest';
import { classifyExit } from '../../src/engine/classify-exit.js';
import { isRetryable, retryDelayMs } from '../../src/engine/retry-policy.js';

const base = { startedAt: 1000, endedAt: 2000, host: 'h' };

describe('classifyExit', () => {
  it('exit 0 is completed; a non-zero exit is failed with its code', () => {
    expect(classifyExit({ ...base, exitStatus: 0 })).toMatchObject({
      reason: 'completed',
      exitCode: 0,
      signal: null,
    });
    expect(classifyExit({ ...base, exitStatus: 3 })).toMatchObject({
      reason: 'failed',
      exitCode: 3,
      detail: 'exit code 3',
    });
  });
  it('128+N is death by signal N', () => {
    expect(classifyExit({ ...base, exitStatus: 137 })).toMatchObject({
      reason: 'failed',
      exitCode: null,
      signal: 'SIGKILL',
    });
    expect(classifyExit({ ...base, exitStatus: 143, cancelled: true })).toMatchObject({
      reason: 'cancelled',
      signal: 'SIGTERM',
    });
  });
  it('a timeout hsm enforced wins even over a graceful exit 0', () => {
    expect(classifyExit({ ...base, exitStatus: 0, timedOutAfterMs: 90_000 })).toMatchObject({
      reason: 'timeout',
      detail: 'timed out after 90s',
    });
  });
  it('no exit record: lost, unless the source knows better', () => {
    expect(classifyExit({ ...base, exitStatus: null })).toMatchObject({ reason: 'lost', exitCode: null });
    expect(
      classifyExit({ ...base, exitStatus: null, sourceReason: 'node_fail', sourceDetail: 'NODE_FAIL' }),
    ).toMatchObject({ reason: 'node_fail', detail: 'NODE_FAIL' });
  });
  it('names exit 127 and 126 for what they usually are', () => {
    expect(classifyExit({ ...base, exitStatus: 127 }).detail).toContain('command not found');
    expect(classifyExit({ ...base, exitStatus: 126 }).detail).toContain('not executable');
  });
});

describe('retry policy', () => {
  const o = (reason: Parameters<typeof isRetryable>[0]['reason'], exitCode: number | null = 1) => ({
    ...base,
    reason,
    exitCode,
    signal: null,
    detail: null,
  });
  it('retries transient failures but not a missing command, an OOM or a cancel', () => {
    expect(isRetryable(o('failed'))).toBe(true);
    expect(isRetryable(o('lost', null))).toBe(true);
    expect(isRetryable(o('preempted', null))).toBe(true);
    expect(isRetryable(o('failed', 127))).toBe(false);
    expect(isRetryable(o('failed', 126))).toBe(false);
    expect(isRetryable(o('oom'))).toBe(false);
    expect(isRetryable(o('cancelled'))).toBe(false);
    expect(isRetryable(o('completed', 0))).toBe(false);
  });
  it('backs off exponentially up to a cap', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(30, 1000, 60_000)).toBe(60_000);
  });
});

import { describe, expect, it } from 'vitest';
import { classifyExit } from '../../src/engine/classify-exit.js';
import { isRetryable, retryDelayMs } from '../../src/engine/retry-policy.js';
import { diagnoseFailure } from '../../src/diagnose/index.js';

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
  // an outcome -> its cause (as the engine diagnoses it) -> retried or not
  const retried = (
    reason: Parameters<typeof diagnoseFailure>[0]['reason'],
    exitCode: number | null = 1,
    stderrTail = '',
    signal: string | null = null,
  ) => isRetryable(diagnoseFailure({ reason, exitCode, signal, stderrTail }));
  it('retries transient failures but not a missing command, module or file, an OOM or a cancel', () => {
    expect(retried('failed')).toBe(true);
    expect(retried('lost', null)).toBe(true);
    expect(retried('preempted', null)).toBe(true);
    expect(retried('timeout', null)).toBe(true);
    expect(retried('failed', null, '', 'SIGSEGV')).toBe(true);
    expect(retried('failed', 127)).toBe(false);
    expect(retried('failed', 126)).toBe(false);
    expect(retried('oom')).toBe(false);
    expect(retried('failed', null, '', 'SIGKILL')).toBe(false); // the OOM killer, not hsm
    expect(retried('failed', 1, 'torch.OutOfMemoryError: CUDA out of memory.\n')).toBe(false);
    expect(retried('failed', 1, "ModuleNotFoundError: No module named 'wandb'\n")).toBe(false);
    expect(retried('failed', 1, 'OSError: [Errno 28] No space left on device\n')).toBe(false);
    expect(retried('cancelled')).toBe(false);
  });
  it('backs off exponentially up to a cap', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(30, 1000, 60_000)).toBe(60_000);
  });
});

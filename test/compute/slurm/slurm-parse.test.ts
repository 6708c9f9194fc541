import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { slurmDialect } from '../../../src/compute/slurm/slurm-dialect.js';
import { parseIndexList } from '../../../src/compute/slurm/slurm-parse.js';

// Slurm's answers as recorded from the real Slurm 22.05 of scripts/infra (test/fixtures/slurm/).
const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../fixtures/slurm', name), 'utf8');

describe('squeue', () => {
  it('folds a throttled pending array into its indices and keeps the pending reason', () => {
    const q = slurmDialect.parseQueue(fixture('squeue-throttled.txt'));
    expect(q[0]).toMatchObject({
      jobId: '31',
      index: null,
      indices: [2, 3, 4, 5],
      state: 'PENDING',
      phase: 'queued',
      reason: 'JobArrayTaskLimit',
      node: null,
      name: 'hsm-rec4',
      comment: 'hsm:rec4:tok4',
    });
    expect(q[1]).toMatchObject({ jobId: '32', index: null, reason: 'Resources', phase: 'queued' });
    expect(q[1]!.indices).toBeUndefined();
  });

  it('reads running elements, a requeued job held on BeginTime, and multi-node jobs', () => {
    const q = slurmDialect.parseQueue(fixture('squeue-running.txt'));
    expect(q.map((e) => [e.jobId, e.index, e.phase, e.node])).toEqual([
      ['31', 0, 'running', 'node1'],
      ['31', 1, 'running', 'node1'],
      ['31', null, 'queued', null],
      ['21', null, 'queued', null],
      ['32', null, 'running', 'node[1-3]'],
    ]);
    expect(q[3]!.reason).toBe('BeginTime');
    expect(q[0]!.reason).toBeNull();
  });

  it('index lists: ranges, steps, throttles, brackets; anything else is not a list', () => {
    expect(parseIndexList('4-9%2')).toEqual([4, 5, 6, 7, 8, 9]);
    expect(parseIndexList('[1,3,5-7]')).toEqual([1, 3, 5, 6, 7]);
    expect(parseIndexList('0-8:4')).toEqual([0, 4, 8]);
    expect(parseIndexList('N/A')).toBeNull();
    expect(slurmDialect.parseQueue('garbage\n\n12|x\n')).toEqual([]);
  });
});

describe('sacct', () => {
  const recorded = slurmDialect.parseAccounting(fixture('sacct-recorded.txt'));
  const constructed = slurmDialect.parseAccounting(fixture('sacct-constructed.txt'));
  const find = (list: typeof recorded, id: string, index: number | null) =>
    list.find((e) => e.jobId === id && e.index === index)!;

  it('array elements with exit codes, a signal, a time limit and a cancel', () => {
    expect(find(recorded, '11', 1)).toMatchObject({
      state: 'FAILED',
      exitCode: 1,
      signal: null,
      node: 'node1',
    });
    expect(find(recorded, '31', 2)).toMatchObject({ state: 'FAILED', exitCode: 0, signal: 9 });
    expect(find(recorded, '19', null)).toMatchObject({ state: 'TIMEOUT' });
    expect(find(recorded, '20', null)).toMatchObject({ state: 'CANCELLED', comment: null });
    expect(find(recorded, '11', 0)!.startedAt).toBe(Date.parse('2026-12-01T17:13:08'));
  });

  it('a requeued job: its latest record, with the requeues counted as restarts', () => {
    expect(find(recorded, '21', null)).toMatchObject({
      state: 'CANCELLED',
      restarts: 1,
      node: null,
      startedAt: null,
    });
    expect(find(constructed, '40', 5)).toMatchObject({ state: 'RUNNING', restarts: 2, endedAt: null });
  });

  it('memory limit and preemption, recorded: OUT_OF_MEMORY is oom, PREEMPTED is preempted, a preempted and requeued job counts one restart', () => {
    // the cgroup memory limit of scripts/infra/slurm-up.sh, and its lowprio partition preempted by
    // a debug job: once with --no-requeue (ended), once requeueable (requeued, then cancelled
    // while it waited on BeginTime)
    const real = slurmDialect.parseAccounting(fixture('sacct-memory-preempt.txt'));
    expect(slurmDialect.verdict(find(real, '3615', null))).toEqual({
      reason: 'oom',
      detail: 'Slurm killed the job for exceeding its memory limit on node1',
    });
    expect(find(real, '3617', null)).toMatchObject({ state: 'PREEMPTED', restarts: 0 });
    expect(slurmDialect.verdict(find(real, '3617', null))).toEqual({
      reason: 'preempted',
      detail: 'the job was preempted by a higher-priority job on node3',
    });
    expect(find(real, '3619', null)).toMatchObject({ state: 'CANCELLED', restarts: 1, reason: 'BeginTime' });
    expect(slurmDialect.verdict(find(real, '3619', null)).detail).toBe(
      'the job was cancelled in Slurm (requeued 1x)',
    );
    // memory enforced by polling instead (JobAcctGatherParams=OverMemoryKill): Slurm kills the job
    // with signal 9 and says FAILED; hsm does not guess oom from that
    expect(slurmDialect.verdict(find(real, '3613', null)).reason).toBe('failed');
  });

  it('elements cancelled while pending, folded into one record, are each reported', () => {
    for (const i of [6, 7, 8, 9]) expect(find(constructed, '40', i)).toMatchObject({ state: 'CANCELLED' });
    // the batch step is not a job
    expect(constructed.filter((e) => e.jobId === '40' && e.index === 5)).toHaveLength(1);
  });

  it('every state maps to a termination reason, or to none while the job is not over', () => {
    const verdict = (list: typeof recorded, id: string, index: number | null) =>
      slurmDialect.verdict(find(list, id, index));
    expect(verdict(recorded, '11', 0)).toEqual({ reason: 'completed', detail: null });
    expect(verdict(recorded, '11', 1)).toEqual({
      reason: 'failed',
      detail: "the job's script exited with 1 on node1",
    });
    expect(verdict(recorded, '31', 2).detail).toBe('the job was killed by signal 9 on node1');
    expect(verdict(recorded, '19', null).reason).toBe('timeout');
    expect(verdict(recorded, '20', null).reason).toBe('cancelled');
    expect(verdict(recorded, '21', null).detail).toBe('the job was cancelled in Slurm (requeued 1x)');
    expect(verdict(constructed, '40', 0).reason).toBe('oom');
    expect(verdict(constructed, '40', 1)).toEqual({
      reason: 'node_fail',
      detail: 'the node running the job failed on node3',
    });
    expect(verdict(constructed, '40', 2).reason).toBe('preempted');
    expect(verdict(constructed, '40', 3).reason).toBe('node_fail');
    // DEADLINE: the user's --deadline came, not a time limit: cancelled, not retried as a timeout
    expect(verdict(constructed, '40', 4).reason).toBe('cancelled');
    expect(verdict(constructed, '40', 5).reason).toBeNull();
    expect(slurmDialect.verdict({ ...find(recorded, '11', 0), state: 'SOMETHING_NEW' })).toEqual({
      reason: 'failed',
      detail: 'Slurm state SOMETHING_NEW on node1',
    });
  });
});

describe('sbatch and scontrol', () => {
  it('job ids, with or without a cluster name; anything else is an error', () => {
    expect(slurmDialect.parseSubmit('1234\n')).toBe('1234');
    expect(slurmDialect.parseSubmit('1234;hsmtest\n')).toBe('1234');
    expect(() => slurmDialect.parseSubmit('Submitted batch job 12\n')).toThrow(/no job id/);
  });

  it('MaxArraySize from scontrol show config', () => {
    expect(slurmDialect.parseLimits(fixture('scontrol-show-config.txt'))).toEqual({ maxArraySize: 1001 });
    expect(slurmDialect.parseLimits('')).toEqual({ maxArraySize: 1001 });
  });

  it('submit errors: temporary ones are retried, permanent ones name the field to fix', () => {
    const c = slurmDialect.classifySubmitError;
    expect(
      c(
        1,
        'sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)\n',
      ).kind,
    ).toBe('temporary');
    expect(
      c(1, 'sbatch: error: Batch job submission failed: Socket timed out on send/recv operation').kind,
    ).toBe('temporary');
    expect(c(null, '').kind).toBe('temporary');
    const partition = c(
      1,
      'sbatch: error: invalid partition specified: nosuch\nsbatch: error: Batch job submission failed: Invalid partition name specified\n',
    );
    expect(partition).toMatchObject({ kind: 'permanent' });
    expect(partition.message).toContain('Invalid partition name specified');
    expect(partition.hint).toContain('`partition:`');
    expect(c(255, 'sbatch: error: Invalid --time specification\n').hint).toContain('`time:`');
    expect(c(1, 'sbatch: error: Memory specification can not be satisfied\n').hint).toContain('`mem:`');
    expect(c(1, 'sbatch: error: Invalid generic resource (gres) specification\n').hint).toContain('`gres:`');
    expect(
      c(1, 'sbatch: error: Batch job submission failed: Invalid feature specification\n').hint,
    ).toContain('`constraint:`');
  });

  it('argv: one squeue for the sweep, one sacct for many jobs, one scancel for many elements', () => {
    expect(slurmDialect.queueArgv('hsm-s1')).toEqual([
      'squeue',
      '--noheader',
      '--name=hsm-s1',
      '--format=%F|%K|%T|%r|%N|%j|%k',
    ]);
    const sacct = slurmDialect.accountingArgv(['40', '41', '40'], Date.parse('2026-12-01T17:00:00'))!;
    expect(sacct).toContain('--jobs=40,41');
    expect(sacct).toContain('--starttime=2026-12-01T17:00:00');
    expect(sacct).toContain('--parsable2');
    expect(slurmDialect.cancelArgv(['40_1', '40_2', '41_0'])).toEqual(['scancel', '40_1', '40_2', '41_0']);
    expect(slurmDialect.elementHandle('40', 3)).toBe('40_3');
  });
});

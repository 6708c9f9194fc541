import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SUMMARY_PATTERN,
  judgeJob,
  readLogFindings,
  renderMatrixTable,
  resolveTerminationReason,
  type ReasonRules,
} from '../../src/matrix/index.js';

// How a job ended (its summary line, pattern rules, the source's word), its restart count, its
// verdict against what its condition expects, and the check table.

const RULES: ReasonRules = {
  summary: DEFAULT_SUMMARY_PATTERN,
  patterns: [
    { match: 'heartbeat timed out', reason: 'heartbeat_timeout' },
    { match: 'max runtime', reason: 'max_runtime_reached' },
  ],
  restarts: 'restarting',
};

describe('termination reasons from the log', () => {
  it('reads the last summary line: reason, exit code and restarts', () => {
    const log =
      '[SUMMARY] exit_code=3 reason=job_completed restarts=9\nmore\n[SUMMARY] exit_code=0 reason=Heartbeat_Timeout restarts=2\n';
    expect(readLogFindings(log, RULES)).toEqual({
      reason: 'heartbeat_timeout',
      exitCode: 0,
      restarts: 2,
      evidence: '[SUMMARY] exit_code=0 reason=Heartbeat_Timeout restarts=2',
    });
  });

  it('falls back to the first pattern rule that matches, and counts restart lines', () => {
    const log = 'step 1\nrestarting worker\nrestarting worker\nERROR: max runtime hit\nheartbeat timed out\n';
    expect(readLogFindings(log, RULES)).toEqual({
      reason: 'heartbeat_timeout',
      exitCode: null,
      restarts: 2,
      evidence: 'heartbeat timed out',
    });
    expect(readLogFindings('nothing here', { ...RULES, restarts: null })).toEqual({
      reason: null,
      exitCode: null,
      restarts: null,
      evidence: null,
    });
  });

  it("takes the source's word when it stopped the job from outside, the log's otherwise", () => {
    const log = readLogFindings('heartbeat timed out', RULES);
    expect(resolveTerminationReason('failed', log)).toBe('heartbeat_timeout');
    expect(resolveTerminationReason('completed', log)).toBe('heartbeat_timeout');
    expect(resolveTerminationReason('timeout', log)).toBe('timeout');
    expect(resolveTerminationReason('cancelled', log)).toBe('cancelled');
    expect(resolveTerminationReason('failed', readLogFindings('', RULES))).toBe('failed');
  });
});

describe('verdicts', () => {
  it('is pending until the job starts (queued included), running until it ends', () => {
    expect(judgeJob({ status: 'pending', exitCode: null, reason: null }, { exit_code: 0 }).verdict).toBe(
      'pending',
    );
    expect(judgeJob({ status: 'queued', exitCode: null, reason: null }, { exit_code: 0 }).verdict).toBe(
      'pending',
    );
    expect(judgeJob({ status: 'running', exitCode: null, reason: null }, { exit_code: 0 }).verdict).toBe(
      'running',
    );
  });

  it('passes when every expectation given holds, and says why not otherwise', () => {
    const hb = { status: 'failed' as const, exitCode: 1, reason: 'heartbeat_timeout' };
    expect(judgeJob(hb, { reason: 'heartbeat_timeout' })).toEqual({ verdict: 'pass', why: null });
    expect(judgeJob(hb, { exit_code: 1, reason: 'heartbeat_timeout' }).verdict).toBe('pass');
    expect(judgeJob(hb, { exit_code: 0 })).toEqual({ verdict: 'fail', why: 'exit code 1, expected 0' });
    expect(
      judgeJob(
        { status: 'cancelled', exitCode: null, reason: 'cancelled' },
        { exit_code: 0, reason: 'job_completed' },
      ),
    ).toEqual({
      verdict: 'fail',
      why: 'exit code none, expected 0; ended by cancelled, expected job_completed',
    });
  });
});

describe('the check table', () => {
  const rows = [
    {
      name: 'a_normal',
      axes: { recipe: 'a', c: 'normal' },
      verdict: 'pass' as const,
      reason: 'job_completed',
      exitCode: 0,
      restarts: 0,
      durationMs: 61_000,
      jobId: '1234_1',
      why: null,
    },
    {
      name: 'a_hb',
      axes: { recipe: 'a', c: 'hb' },
      verdict: 'fail' as const,
      reason: 'failed',
      exitCode: 2,
      restarts: 1,
      durationMs: 1500,
      jobId: '1234_2',
      why: 'exit code 2, expected 0',
    },
    {
      name: 'b_normal',
      axes: { recipe: 'b', c: 'normal' },
      verdict: 'running' as const,
      reason: null,
      exitCode: null,
      restarts: null,
      durationMs: null,
      jobId: null,
      why: null,
    },
  ];

  it('groups by the first axis, one row per job, then the summary; plain without a painter', () => {
    expect(renderMatrixTable(rows)).toEqual([
      '  JOB       VERDICT  REASON         EXIT  RESTARTS  DURATION  JOB ID',
      'recipe=a',
      '  a_normal  pass     job_completed  0     0         1m01s     1234_1',
      '  a_hb      fail     failed         2     1         2s        1234_2',
      '      exit code 2, expected 0',
      'recipe=b',
      '  b_normal  running  -              -     -         -         -',
      '3 jobs: 1 pass, 1 fail, 1 running, 0 pending',
    ]);
  });

  it('colours each verdict', () => {
    const tag = (name: string) => (t: string) => `<${name}>${t}</${name}>`;
    const lines = renderMatrixTable(rows, {
      green: tag('g'),
      red: tag('r'),
      yellow: tag('y'),
      dim: tag('d'),
      bold: tag('b'),
    });
    expect(lines[2]).toContain('<g>pass   </g>');
    expect(lines[3]).toContain('<r>fail   </r>');
    expect(lines[6]).toContain('<y>running</y>');
  });
});

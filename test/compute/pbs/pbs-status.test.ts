import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseQstat, kilobytes, seconds } from '../../../src/compute/pbs/pbs-status.js';
import { judgePbsJob } from '../../../src/compute/pbs/pbs-verdict.js';
import type { PbsFlavour } from '../../../src/compute/pbs/pbs-flavour.js';

// The PBS dialect's reading of `qstat -f` in its three formats (test/fixtures/pbs/README.md says
// where each sample comes from), and what each job's state and exit status mean for hsm.
const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/pbs/${name}`, import.meta.url), 'utf8');

function verdicts(name: string, flavour: PbsFlavour) {
  return Object.fromEntries(
    parseQstat(fixture(name)).map((j) => {
      const v = judgePbsJob(j, flavour);
      return [j.id.id, `${v.phase}${v.reason ? ` ${v.reason}` : ''}${v.signal ? ` ${v.signal}` : ''}`];
    }),
  );
}

describe('PBS Pro qstat -f -x -t -F json', () => {
  it('reads an array: the parent and each subjob with its index, host, limits and use', () => {
    const jobs = parseQstat(fixture('pro-array.json.out'));
    expect(jobs.map((j) => [j.id.kind, j.id.index, j.state])).toEqual([
      ['array', null, 'B'],
      ['subjob', 0, 'X'],
      ['subjob', 1, 'X'],
      ['subjob', 2, 'X'],
      ['subjob', 3, 'R'],
      ['subjob', 4, 'Q'],
      ['subjob', 5, 'Q'],
    ]);
    expect(jobs[1]).toMatchObject({
      name: 'hsm_lr-study_20261201_101500',
      exitStatus: 0,
      host: 'cn012',
      walltimeUsedS: 42,
      walltimeLimitS: 600,
      memUsedKb: 812340,
      memLimitKb: 4 * 1024 * 1024,
      runCount: 1,
    });
    expect(jobs[0]!.id).toMatchObject({ sequence: '4711', server: 'pbs01', id: '4711[].pbs01' });
  });

  it('maps subjobs: exit 0 completed, -29 walltime timeout, -27 memory oom, R running, Q queued', () => {
    expect(verdicts('pro-array.json.out', 'pro')).toEqual({
      '4711[].pbs01': 'running',
      '4711[0].pbs01': 'finished completed',
      '4711[1].pbs01': 'finished timeout',
      '4711[2].pbs01': 'finished oom',
      '4711[3].pbs01': 'running',
      '4711[4].pbs01': 'queued',
      '4711[5].pbs01': 'queued',
    });
  });

  it('maps finished jobs: 256+signal is a timeout over the walltime, a qdel under it; -20 node lost; -11 rerun', () => {
    expect(verdicts('pro-finished.json.out', 'pro')).toEqual({
      '4712.pbs01': 'finished timeout SIGTERM',
      '4713.pbs01': 'finished cancelled SIGKILL',
      '4714.pbs01': 'finished cancelled',
      '4715.pbs01': 'finished node_fail',
      '4716.pbs01': 'queued',
      '4717.pbs01': 'finished failed',
      '4718.pbs01': 'finished failed SIGKILL',
      '4719.pbs01': 'queued',
      '4720.pbs01': 'finished preempted',
      '4721.pbs01': 'running',
    });
    const [, , , node, held] = parseQstat(fixture('pro-finished.json.out'));
    expect(judgePbsJob(node!, 'pro').detail).toMatch(/JOB_EXEC_RERUN_MS_FAIL.*Exit_status -20/);
    expect(judgePbsJob(held!, 'pro').detail).toMatch(/held.*qrls/);
  });

  it('reads the invalid JSON older PBS Pro prints for values with backslashes or tabs', () => {
    expect(() => JSON.parse(fixture('pro-invalid-escapes.json.out'))).toThrow();
    const [job] = parseQstat(fixture('pro-invalid-escapes.json.out'));
    expect(job).toMatchObject({ state: 'F', exitStatus: 0, name: 'hsm_win_paths' });
  });
});

describe('Torque qstat -f -x (XML) and qstat -f (text)', () => {
  it('reads XML subjobs and maps -11 (walltime on Torque), 271 over the walltime, 265 under it, -10 memory', () => {
    expect(verdicts('torque-array.xml', 'torque')).toEqual({
      '77[0].head.torque.lan': 'finished completed',
      '77[1].head.torque.lan': 'finished timeout',
      '77[2].head.torque.lan': 'finished timeout SIGTERM',
      '77[3].head.torque.lan': 'running',
      '77[4].head.torque.lan': 'queued',
      '78.head.torque.lan': 'queued',
      '79.head.torque.lan': 'finished cancelled SIGKILL',
      '80.head.torque.lan': 'finished oom',
    });
    const jobs = parseQstat(fixture('torque-array.xml'));
    expect(jobs[7]!.name).toBe('hsm_s1 & <co>');
    expect(jobs[3]).toMatchObject({ host: 'node04', walltimeUsedS: 130, walltimeLimitS: 300 });
  });

  it('the same exit status means different things in the two families (-11)', () => {
    const [, rerun] = parseQstat(fixture('torque-array.xml'));
    expect(judgePbsJob(rerun!, 'torque').reason).toBe('timeout');
    expect(judgePbsJob(rerun!, 'pro').reason).toBe('preempted');
  });

  it('reads text with values wrapped onto tab-indented lines', () => {
    const jobs = parseQstat(fixture('torque-text.txt'));
    expect(jobs.map((j) => [j.id.id, j.state, j.exitStatus])).toEqual([
      ['91[0].head.torque.lan', 'C', 0],
      ['91[1].head.torque.lan', 'C', 265],
      ['91[2].head.torque.lan', 'R', null],
      ['92.head.torque.lan', 'W', null],
    ]);
    expect(jobs[2]!.host).toBe('node03');
    expect(verdicts('torque-text.txt', 'torque')).toEqual({
      '91[0].head.torque.lan': 'finished completed',
      '91[1].head.torque.lan': 'finished timeout SIGKILL',
      '91[2].head.torque.lan': 'running',
      '92.head.torque.lan': 'queued',
    });
  });

  it('reads the front-end over Slurm (bare ids, tab-indented attributes, no exit status)', () => {
    const jobs = parseQstat(fixture('slurm-torque-frontend.txt'));
    expect(jobs.map((j) => [j.id.id, j.id.kind, j.state, j.host])).toEqual([
      ['9', 'job', 'C', 'node1'],
      ['10', 'job', 'R', 'node2'],
      ['8', 'job', 'Q', null],
    ]);
    expect(jobs[0]!.walltimeLimitS).toBe(60);
    // no exit status at all: one that ran leaves the word to the runner's exit record
    expect(judgePbsJob(jobs[0]!, 'torque')).toMatchObject({
      phase: 'finished',
      reason: 'failed',
      detail: /no exit status/,
    });
  });

  it('rejects XML that is cut short, and reads empty output as no jobs', () => {
    expect(() => parseQstat('<Data><Job><Job_Id>1.s</Job_Id>')).toThrow(/ends inside <Data\/Job>/);
    expect(parseQstat('  \n')).toEqual([]);
  });
});

describe('PBS sizes and times', () => {
  it('reads sizes in bytes, words and binary units, and clock times', () => {
    expect(kilobytes('5620kb')).toBe(5620);
    expect(kilobytes('16gb')).toBe(16 * 1024 * 1024);
    expect(kilobytes('2048')).toBe(2);
    expect(kilobytes('1mw')).toBe(8192);
    expect(kilobytes('lots')).toBeNull();
    expect(seconds('01:02:03')).toBe(3723);
    expect(seconds('100:00:00')).toBe(360000);
    expect(seconds('Infinite')).toBeNull();
  });
});

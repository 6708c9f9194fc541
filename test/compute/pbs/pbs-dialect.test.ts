import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PbsDialect, readPbsFlavour, readPbsResources } from '../../../src/compute/pbs/pbs-dialect.js';
import { parseQstat } from '../../../src/compute/pbs/pbs-status.js';

// The PBS dialect behind the batch glue's interface, on the recorded/written samples of
// test/fixtures/pbs/: what the glue sees of each job, and how it ended.
const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/pbs/${name}`, import.meta.url), 'utf8');

describe('PbsDialect', () => {
  it('tells the family from qstat -B -f, with the largest array the server takes', () => {
    const pro = new PbsDialect(null);
    expect(pro.parseLimits(fixture('pro-server.txt'))).toEqual({ maxArraySize: 10000 });
    expect(pro.flavour).toBe('pro');
    const torque = new PbsDialect(null);
    expect(torque.parseLimits(fixture('torque-server.txt'))).toEqual({ maxArraySize: 1000 });
    expect(torque.flavour).toBe('torque');
    // a configured flavour wins; output that names neither leaves it unknown, with the fix
    const set = new PbsDialect('torque');
    set.parseLimits(fixture('pro-server.txt'));
    expect(set.flavour).toBe('torque');
    const unknown = new PbsDialect(null);
    expect(unknown.parseLimits('Job id  Name\n')).toEqual({ maxArraySize: 10000 });
    expect(() => unknown.flavour).toThrow(/PBS Pro\/OpenPBS or Torque/);
  });

  it('lists live subjobs as queue entries of their array, with the sweep comment', () => {
    const d = new PbsDialect('pro');
    expect(d.queueArgv('hsm-x', ['4711[].pbs01'])).toEqual([
      'qstat',
      '-f',
      '-x',
      '-t',
      '-F',
      'json',
      '4711[].pbs01',
    ]);
    const q = d.parseQueue(fixture('pro-array.json.out'));
    expect(q.map((e) => [e.jobId, e.index, e.phase, e.node])).toEqual([
      ['4711[].pbs01', 3, 'running', 'cn014'],
      ['4711[].pbs01', 4, 'queued', null],
      ['4711[].pbs01', 5, 'queued', null],
    ]);
    expect(q[0]!.comment).toBe('hsm:lr-study_20261201_101500:9f2c4e1a0b7d3e55');
    expect(d.elementHandle('4711[].pbs01', 3)).toBe('4711[3].pbs01');
    expect(d.elementHandle('4712.pbs01', 0)).toBe('4712.pbs01');
  });

  it('gives finished jobs with their verdict: walltime and memory limits, qdel, node loss, requeues', () => {
    const d = new PbsDialect('pro');
    const done = d.parseAccounting(fixture('pro-array.json.out'));
    expect(done.map((e) => [e.index, e.exitCode, d.verdict(e).reason])).toEqual([
      [0, 0, 'completed'],
      [1, -29, 'timeout'],
      [2, -27, 'oom'],
    ]);
    const plain = d.parseAccounting(fixture('pro-finished.json.out'));
    const byId = Object.fromEntries(plain.map((e) => [e.jobId, e]));
    // 271 after the walltime ran out is a timeout (used vs asked, which AccountingEntry does not carry)
    expect(d.verdict(byId['4712.pbs01']!)).toMatchObject({ reason: 'timeout' });
    expect(byId['4712.pbs01']!.signal).toBe(15);
    expect(d.verdict(byId['4713.pbs01']!)).toMatchObject({ reason: 'cancelled' });
    expect(d.verdict(byId['4715.pbs01']!)).toMatchObject({ reason: 'node_fail', detail: /MS_FAIL/ });
    expect(byId['4719.pbs01']).toBeUndefined(); // requeued: queued again, not finished
    expect(
      d.parseQueue(fixture('pro-finished.json.out')).find((e) => e.jobId === '4719.pbs01'),
    ).toMatchObject({
      phase: 'queued',
      index: 0,
    });
  });

  it('reads Torque text: comments from Variable_List (escaped commas kept), subjobs, W as queued', () => {
    const d = new PbsDialect('torque');
    const [first] = parseQstat(fixture('torque-text.txt'));
    expect(first!.variables.get('HSM_JOB_COMMENT')).toBe('hsm:s2:77aa00bb11cc22dd');
    expect(first!.variables.get('NOTE')).toBe('a,b');
    expect(d.parseQueue(fixture('torque-text.txt')).map((e) => [e.jobId, e.index, e.phase])).toEqual([
      ['91[].head.torque.lan', 2, 'running'],
      ['92.head.torque.lan', 0, 'queued'],
    ]);
    expect(d.parseAccounting(fixture('torque-text.txt')).map((e) => d.verdict(e).reason)).toEqual([
      'completed',
      'timeout',
    ]);
  });

  it('reads the source fields, refuses a flavour it does not know, scales memory and walltime', () => {
    const r = readPbsResources('cluster', {
      type: 'pbs',
      queue: 'workq',
      walltime: '01:00:00',
      mem: '4G',
      ncpus: 2,
      extra_directives: ['-m n'],
    });
    expect(r).toEqual({
      queue: 'workq',
      walltimeMs: 3_600_000,
      mem: '4gb',
      ncpus: 2,
      extraDirectives: ['-m n'],
    });
    const d = new PbsDialect('pro');
    expect(d.scaleResources(r, { mem: 2, time: 2 })).toMatchObject({ mem: '8gb', walltimeMs: 7_200_000 });
    expect(d.scaleResources({ select: '2:ncpus=4:mem=3gb' }, { mem: 1.5 })).toEqual({
      select: '2:ncpus=4:mem=5gb',
    });
    expect(readPbsFlavour('cluster', { type: 'pbs' })).toBeNull();
    expect(() => readPbsFlavour('cluster', { type: 'pbs', flavour: 'lsf' })).toThrow(
      /"lsf", which is not a PBS family/,
    );
  });

  it('counts a qstat that names jobs it no longer knows as an answer, not a server that is down', () => {
    const d = new PbsDialect('torque');
    expect(d.statusExitOk(153, 'qstat: Unknown Job Id Error 12[].head\n')).toBe(true);
    expect(
      d.statusExitOk(
        35,
        'qstat: 4711.pbs01 Job has finished, use -x or -H to obtain historical job information\n',
      ),
    ).toBe(true);
    expect(d.statusExitOk(153, '')).toBe(true);
    expect(d.statusExitOk(1, 'Connection refused\nqstat: cannot connect to server head (errno=111)\n')).toBe(
      false,
    );
    expect(d.queueArgv('hsm-x', [])).toEqual(['qstat', '-f', '-t']); // live jobs only, no history
  });

  it('sorts failed submits: no answer and a busy server are temporary, an unknown queue is permanent', () => {
    const d = new PbsDialect('pro');
    expect(d.classifySubmitError(null, '')).toMatchObject({ kind: 'temporary' });
    expect(d.classifySubmitError(15, 'qsub: Maximum number of jobs already in queue workq')).toMatchObject({
      kind: 'temporary',
    });
    expect(d.classifySubmitError(170, 'qsub: Unknown queue')).toMatchObject({
      kind: 'permanent',
      message: 'qsub: Unknown queue',
    });
  });
});

import { describe, expect, it } from 'vitest';
import {
  expandMatrixJobs,
  findDuplicateJobNames,
  parseMatrixText,
  withEnvironment,
} from '../../src/matrix/index.js';

// Matrix files: axes of plain values and named conditions multiply into jobs with their argv,
// environment, placement and expectations; every mistake is reported at file:line:col.

const parse = (text: string) => parseMatrixText(text, { displayFile: 'm.yaml' });
const errors = (text: string) =>
  parse(text)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.line}:${d.col} ${d.message}`);

const FILE = `name: release
command: python3 run.py --recipe {recipe}
source: cluster
resources: {partition: gpu}
axes:
  recipe: [a, b]
  nodes: {values: [1, 2], resource: nodes}
  condition:
    normal:
      args: --end normal
      expect: {exit_code: 0, reason: job_completed}
    heartbeat:
      description: no heartbeats
      args: [--end, 'heart beat']
      env: {MODE: hb, LEVEL: 3}
      ci: false
      timeout: 5m
      expect: {reason: heartbeat_timeout}
`;

describe('matrix files', () => {
  it('multiplies the axes (first slowest) into named jobs with argv, env, resources and expectations', () => {
    const { definition, diagnostics } = parse(FILE);
    expect(diagnostics).toEqual([]);
    const jobs = expandMatrixJobs(definition!);
    expect(jobs.map((j) => j.name)).toEqual([
      'a_1_normal',
      'a_1_heartbeat',
      'a_2_normal',
      'a_2_heartbeat',
      'b_1_normal',
      'b_1_heartbeat',
      'b_2_normal',
      'b_2_heartbeat',
    ]);
    const hb = jobs[3]!;
    expect(hb).toMatchObject({
      axes: { recipe: 'a', nodes: 2, condition: 'heartbeat' },
      argv: ['python3', 'run.py', '--recipe', 'a', '--end', 'heart beat'],
      env: { MODE: 'hb', LEVEL: '3' },
      source: 'cluster',
      resources: { partition: 'gpu', nodes: 2 },
      timeout: '5m',
      expect: { reason: 'heartbeat_timeout' },
      ci: false,
      description: 'no heartbeats',
    });
    expect(jobs[0]).toMatchObject({
      ci: true,
      timeout: null,
      expect: { exit_code: 0, reason: 'job_completed' },
    });
    expect(withEnvironment(hb.argv, hb.env)).toEqual(['env', '--', 'MODE=hb', 'LEVEL=3', ...hb.argv]);
    expect(withEnvironment(['x'], {})).toEqual(['x']);
  });

  it('expects exit code 0 when neither the file nor an entry says what counts as success', () => {
    const { definition } = parse('command: ./t\naxes: {x: [1]}\n');
    expect(expandMatrixJobs(definition!)[0]!.expect).toEqual({ exit_code: 0 });
    expect(definition!.name).toBe('matrix');
  });

  it('reports each mistake at its file:line:col', () => {
    expect(
      errors(`command: run {recipie}
axes:
  recipe: [a, 'b c']
  condition:
    normal: {args: --x, expect: {exit_code: 300, reson: x}, cii: true}
reasons:
  summary: '(['
  patterns: [{match: x}]
`),
    ).toEqual([
      "1:10 the command's placeholder `{recipie}` names no axis; did you mean `{recipe}`?",
      '3:15 value "b c" of axis `recipe` cannot be part of a job name',
      '5:45 `expect.exit_code` must be an integer 0..255, got 300',
      '5:50 unknown key `reson`; did you mean `reason`?',
      '5:61 unknown key `cii`; did you mean `ci`?',
      expect.stringMatching(/^7:12 `reasons.summary` is not a valid regular expression/),
      '8:14 each of `reasons.patterns` needs `match:` (a regular expression) and `reason:` (a name such as heartbeat_timeout)',
    ]);
  });

  it('refuses a file without command or axes, and an axis without values', () => {
    expect(errors('name: x\n')).toEqual([
      '1:1 the matrix file has no `command:`',
      '1:1 the matrix file has no `axes:`',
    ]);
    expect(errors('command: x\naxes: {a: []}\n')).toEqual(['2:11 axis `a` has no values']);
    expect(errors('command: x\naxes: {a: {b: {retries: 101}}}\n')).toEqual([
      '2:25 `retries` must be a whole number 0..100, got 101',
    ]);
    expect(errors('command: x\naxes: {a: [1]}\ntimeout: 0s\n')).toEqual([
      '3:10 `timeout` must be a duration longer than zero (90s, 5m, 01:00:00), got "0s"',
    ]);
  });

  it('finds combinations whose joined labels clash', () => {
    const { definition } = parse('command: x\naxes: {a: [p_q, p], b: [r, q_r]}\n');
    expect(findDuplicateJobNames(expandMatrixJobs(definition!))).toEqual(['p_q_r']);
  });
});

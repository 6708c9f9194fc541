import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPbsScript, type PbsScriptInput } from '../../../src/compute/pbs/pbs-script.js';
import { pbsSize, pbsWalltime } from '../../../src/compute/pbs/pbs-resources.js';
import { parsePbsJobId, parseQsubOutput, subjobId } from '../../../src/compute/pbs/pbs-job-id.js';
import { classifyQsubFailure, qstatArgv, unknownJobIds } from '../../../src/compute/pbs/pbs-commands.js';
import { flavourFromVersion } from '../../../src/compute/pbs/pbs-flavour.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// Golden job scripts: the exact text hsm submits for each family (HSM_UPDATE_GOLDEN=1 rewrites them
// after a deliberate change; review the diff). Then the script is run by a real sh as a job would
// run it, with the array index a server would set.
const goldenDir = new URL('../../fixtures/pbs/golden/', import.meta.url);

function golden(name: string, text: string): void {
  const file = new URL(name, goldenDir);
  if (process.env.HSM_UPDATE_GOLDEN === '1') writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

const entries = [
  [{ attempt: 1, dir: 'task_001', task: 'task_001', key: '1'.repeat(16) }],
  [{ attempt: 2, dir: 'task_002', task: 'task_002', key: '2'.repeat(16) }],
  [{ attempt: 1, dir: 'task_003', task: 'task_003', key: '3'.repeat(16) }],
];
const base: PbsScriptInput = {
  flavour: 'pro',
  name: 'hsm-lr-study_20261201_101500',
  comment: { variable: 'HSM_JOB_COMMENT', value: 'hsm:lr-study_20261201_101500:0123456789abcdef' },
  resources: {},
  throttle: null,
  runner: '/scratch/alice/proj/.hsm/hsm-runner.sh',
  tasksDir: '/scratch/alice/proj/sweeps/outputs/lr-study_20261201_101500/tasks',
  logDir: '/scratch/alice/proj/sweeps/outputs/lr-study_20261201_101500/logs/jobs',
  script: '/scratch/alice/proj/sweeps/outputs/lr-study_20261201_101500/scripts/job_scripts/job_0001.sh',
  entries,
};

describe('PBS job scripts (golden files)', () => {
  it('PBS Pro: an array with -J and %throttle, select built from ncpus/mem/ngpus', () => {
    golden(
      'pro-array.pbs',
      renderPbsScript({
        ...base,
        throttle: 2,
        resources: {
          queue: 'workq',
          account: 'proj42',
          walltimeMs: 90 * 60_000,
          ncpus: 4,
          mem: '16G',
          ngpus: 1,
          extraDirectives: ['-m abe', '#PBS -P ml'],
        },
      }),
    );
  });

  it('Torque: an array with -t, nodes=1:ppn and mem, PBS_ARRAYID', () => {
    golden(
      'torque-array.pbs',
      renderPbsScript({
        ...base,
        flavour: 'torque',
        throttle: 5,
        resources: {
          queue: 'batch',
          walltimeMs: 100 * 3600_000 + 1,
          ncpus: 2,
          mem: 2048,
          resources: 'feature=ib',
        },
      }),
    );
  });

  it('one attempt is a plain job (no array line); select given verbatim; packed attempts share an entry', () => {
    golden(
      'pro-single.pbs',
      renderPbsScript({
        ...base,
        entries: [entries[0]!],
        resources: { select: '2:ncpus=8:mem=32gb', resources: 'place=scatter' },
      }),
    );
    golden(
      'pro-packed.pbs',
      renderPbsScript({ ...base, entries: [[...entries[0]!, ...entries[1]!], entries[2]!] }),
    );
  });

  it('a job runs the runner with the attempts of its index, every path quoted', () => {
    const dir = makeTempDir('hsm-pbs-script-');
    const runner = join(dir, "the runner's $(touch pwned).sh");
    const tasksDir = join(dir, "tasks $(touch pwned) 'q'");
    mkdirSync(tasksDir);
    writeFileSync(runner, 'shift; printf "%s|" "$(pwd)" "$@"\n');
    const hostile = [[{ attempt: 3, dir: 'task_001 `id` $HOME' }], [{ attempt: 1, dir: "t'2" }]];
    const script = join(dir, 'job $(touch pwned).pbs');
    for (const flavour of ['pro', 'torque'] as const) {
      const text = renderPbsScript({
        ...base,
        flavour,
        runner,
        tasksDir,
        logDir: `${dir}/with space`,
        script,
        entries: hostile,
      });
      expect(text).not.toContain('#PBS -o');
      writeFileSync(script, text);
      const variable = flavour === 'pro' ? 'PBS_ARRAY_INDEX' : 'PBS_ARRAYID';
      // as a PBS server may run it: the script on the shell's stdin (`$0` is the shell), or by path
      const run = (index: string, stdin: boolean) =>
        spawnSync('sh', stdin ? [] : [script], {
          cwd: dir,
          env: { PATH: process.env.PATH, [variable]: index },
          encoding: 'utf8',
          input: stdin ? text : undefined,
        });
      for (const stdin of [false, true]) {
        expect(run('0', stdin).stdout).toBe(`${tasksDir}|3|task_001 \`id\` $HOME|`);
        expect(run('1', stdin).stdout).toBe(`${tasksDir}|1|t'2|`);
        const wrong = run('7', stdin);
        expect([wrong.status, wrong.stderr.trim()]).toEqual([2, 'hsm: no task for array index 7']);
      }
    }
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  it('refuses values that would end a directive line or word, and select on Torque', () => {
    const r =
      (resources: PbsScriptInput['resources'], flavour: 'pro' | 'torque' = 'pro') =>
      () =>
        renderPbsScript({ ...base, flavour, resources });
    expect(r({ queue: 'work q' })).toThrow(/queue "work q" contains whitespace/);
    expect(r({ extraDirectives: ['-m abe\necho pwned'] })).toThrow(/line break/);
    expect(r({ select: '1:ncpus=2', ncpus: 4 })).toThrow(/both `select:` and `ncpus:`/);
    expect(r({ select: '1:ncpus=2' }, 'torque')).toThrow(/Torque does not understand/);
    expect(r({ mem: '16 parsecs' })).toThrow(/mem "16 parsecs" is not a size/);
  });

  it('writes sizes and walltimes the way qsub reads them', () => {
    expect(['16G', '16GB', '16gb', '500m', 2048, '100b'].map((v) => pbsSize('mem', v))).toEqual([
      '16gb',
      '16gb',
      '16gb',
      '500mb',
      '2048mb',
      '100b',
    ]);
    expect([1, 59_001, 3_600_000, 100 * 3_600_000].map(pbsWalltime)).toEqual([
      '00:00:01',
      '00:01:00',
      '01:00:00',
      '100:00:00',
    ]);
  });
});

describe('PBS commands', () => {
  it('reads the job id qsub prints, with or without server and array brackets', () => {
    expect(parseQsubOutput('4711.pbs01\n')).toMatchObject({ sequence: '4711', kind: 'job', server: 'pbs01' });
    expect(parseQsubOutput('4711[].pbs01.cluster.org\n')).toMatchObject({
      kind: 'array',
      server: 'pbs01.cluster.org',
    });
    expect(parseQsubOutput('Welcome to the cluster\n12\n')).toMatchObject({ id: '12', server: null });
    expect(() => parseQsubOutput('qsub: submitted\n')).toThrow(/no job id hsm recognises/);
    expect(subjobId(parsePbsJobId('4711[].pbs01')!, 7)).toBe('4711[7].pbs01');
    expect(parsePbsJobId('4711[7]')).toMatchObject({ kind: 'subjob', index: 7 });
  });

  it('asks each family for history and subjobs in its own format', () => {
    expect(qstatArgv('pro', ['1[].s'])).toEqual(['qstat', '-f', '-x', '-t', '-F', 'json', '1[].s']);
    expect(qstatArgv('torque', ['1[].s'])).toEqual(['qstat', '-f', '-x', '-t', '1[].s']);
  });

  it('tells the families apart by qstat --version', () => {
    expect(flavourFromVersion('pbs_version = 2022.1.3\n')).toBe('pro');
    expect(flavourFromVersion('Version: 6.1.3\nCommit: abc\n')).toBe('torque');
    expect(flavourFromVersion('Unknown option: version\nUsage: qstat [-f]\n')).toBeNull();
  });

  it('names ids qstat does not know, and sorts qsub failures into temporary and permanent', () => {
    expect(unknownJobIds('qstat: Unknown Job Id 12.s\nqstat: Unknown Job Id Error 13[].s\n')).toEqual([
      '12.s',
      '13[].s',
    ]);
    expect(classifyQsubFailure('qsub: Unknown queue')).toMatchObject({ temporary: false, hint: /queue:/ });
    expect(classifyQsubFailure('qsub: Job exceeds queue resource limits')).toMatchObject({
      temporary: false,
    });
    expect(classifyQsubFailure('qsub: Maximum number of jobs already in queue')).toMatchObject({
      temporary: true,
    });
    expect(
      classifyQsubFailure('Connection refused\nqsub: cannot connect to server pbs01 (errno=111)'),
    ).toMatchObject({ temporary: true });
    expect(classifyQsubFailure('qsub: something new')).toMatchObject({ temporary: false });
  });
});

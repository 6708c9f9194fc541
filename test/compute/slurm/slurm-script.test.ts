import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../../src/compute/batch/batch-dialect.js';
import { slurmDialect } from '../../../src/compute/slurm/slurm-dialect.js';
import type { SlurmResources } from '../../../src/compute/slurm/slurm-resources.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// Golden files: the job scripts users read under scripts/job_scripts/. HSM_UPDATE_GOLDEN=1 rewrites
// them (then read the diff).
const golden = (name: string, text: string) => {
  const file = join(import.meta.dirname, '../../fixtures/slurm', name);
  if (process.env.HSM_UPDATE_GOLDEN === '1') writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
};

const sweep = 'lr_20261201_120000';
function spec(over: Partial<JobSpec<SlurmResources>> = {}): JobSpec<SlurmResources> {
  return {
    name: `hsm-${sweep}`,
    comment: `hsm:${sweep}:0123456789abcdef`,
    elements: [1, 2, 3].map((i) => [
      { task: `task_00${i}`, key: `${i}`.repeat(16), attempt: i === 2 ? 2 : 1, dir: `task_00${i}` },
    ]),
    tasksDir: `/scratch/my project/sweeps/outputs/${sweep}/tasks`,
    throttle: 2,
    runner: `/scratch/my project/sweeps/outputs/${sweep}/scripts/hsm-runner.sh`,
    logDir: `/scratch/my project/sweeps/outputs/${sweep}/scripts/job_scripts/output`,
    workdir: '/scratch/my project',
    script: `/scratch/my project/sweeps/outputs/${sweep}/scripts/job_scripts/job_0001.sh`,
    resources: slurmDialect.readResources('cluster', {
      type: 'slurm',
      partition: 'gpu',
      account: 'proj-42',
      qos: 'normal',
      time: '1-12:00:00',
      mem: '16G',
      cpus_per_task: 4,
      gpus: 'a100:1',
      nodes: 1,
      constraint: 'a100&ib',
      extra_directives: ['--exclusive', '#SBATCH --mail-type=END'],
    }),
    ...over,
  };
}

describe('Slurm job scripts', () => {
  it('an array with every resource field, throttled, paths with spaces', () => {
    golden('job-array.golden.sh', slurmDialect.jobScript(spec()));
  });

  it('one task, no resources: still an array of one (one handle form)', () => {
    golden(
      'job-single.golden.sh',
      slurmDialect.jobScript(
        spec({
          elements: [[{ task: 'task_7', key: 'f'.repeat(16), attempt: 3, dir: 'task_7' }]],
          throttle: null,
          resources: slurmDialect.readResources('c', { type: 'slurm' }),
          tasksDir: '/t/tasks',
          runner: '/t/r.sh',
          logDir: '/t/out',
          workdir: '/t',
        }),
      ),
    );
  });

  it("each element runs the runner with its own tasks, read from the script's table; a hostile directory name stays one word", () => {
    const dir = makeTempDir('hsm-jobscript-');
    try {
      mkdirSync(join(dir, 'tasks'));
      // a runner that says where it runs and what it was given, one word a line
      writeFileSync(join(dir, 'runner.sh'), 'printf "%s\\n" "$PWD" "$@"; exit 0\n');
      const hostile = "a'; rm -rf ~; '";
      const script = join(dir, 'job.sh');
      writeFileSync(
        script,
        slurmDialect.jobScript(
          spec({
            elements: [
              [{ task: 'task_1', key: 'a'.repeat(16), attempt: 1, dir: 'task_1' }],
              [
                { task: 'task_2', key: 'b'.repeat(16), attempt: 2, dir: hostile },
                { task: 'task_3', key: 'c'.repeat(16), attempt: 1, dir: 'task 3' },
              ],
            ],
            tasksDir: join(dir, 'tasks'),
            runner: join(dir, 'runner.sh'),
          }),
        ),
      );
      const element = (i: number) =>
        spawnSync('bash', [script], {
          env: { ...process.env, SLURM_ARRAY_TASK_ID: String(i) },
          encoding: 'utf8',
        });
      const words = (i: number) => element(i).stdout.split('\n').slice(0, -1);
      expect(words(0)).toEqual([join(dir, 'tasks'), 'run', '1', 'task_1']);
      expect(words(1)).toEqual([join(dir, 'tasks'), 'run', '2', hostile, '1', 'task 3']);
      // a line added above the table (by hand, by a site's submit filter): the line is searched
      writeFileSync(script, readFileSync(script, 'utf8').replace('\nhsm_i=', '\n# added\nhsm_i='));
      expect(words(1)).toEqual([join(dir, 'tasks'), 'run', '2', hostile, '1', 'task 3']);
      const beyond = element(2);
      expect(beyond.status).toBe(2);
      expect(beyond.stderr).toContain('hsm: no task for array index 2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a path sbatch cannot read in a directive is refused, not mangled', () => {
    expect(() => slurmDialect.jobScript(spec({ workdir: '/a"b' }))).toThrow(
      /cannot write .* into an #SBATCH line/,
    );
  });
});

import { HsmError } from '../../domain/errors.js';
import { quoteShellWord } from '../../domain/shell-quote.js';
import type { JobSpec } from '../batch/batch-dialect.js';
import { elementLookup, elementTableLine, SET_ELEMENT_WORDS, TABLE_HEADER } from '../batch/element-table.js';
import { formatSlurmTime, type SlurmResources } from './slurm-resources.js';
import { plural } from '../../domain/plural.js';

// The text of a Slurm job script: what a user can read under the sweep's scripts/job_scripts/ and
// submit by hand. Every element of the array runs its task(s) with hsm's runner (`run` mode), which
// writes the task's started/exit records exactly as on every other source: that is what lets
// `hsm complete` on any source finish a sweep begun here, and the reverse.

/** A value in an `#SBATCH` line: sbatch splits these lines on blanks and understands double quotes. */
function directiveValue(v: string): string {
  if (/^[A-Za-z0-9_.,:/%=+@&|!*[\]()-]+$/.test(v)) return v;
  if (/["\\\n\r]/.test(v))
    throw new HsmError('config', `cannot write ${JSON.stringify(v)} into an #SBATCH line`, {
      hint: 'use a path without double quotes, backslashes or line breaks',
    });
  return `"${v}"`;
}

function resourceLines(r: SlurmResources): string[] {
  const out: string[] = [];
  const add = (opt: string, v: string | number | null) => {
    if (v !== null) out.push(`#SBATCH --${opt}=${directiveValue(String(v))}`);
  };
  add('partition', r.partition);
  add('account', r.account);
  add('qos', r.qos);
  add('time', r.timeSeconds === null ? null : formatSlurmTime(r.timeSeconds));
  add('mem', r.mem ? `${r.mem.amount}${r.mem.unit}` : null);
  add('cpus-per-task', r.cpusPerTask);
  add('gpus', r.gpus);
  add('gres', r.gres);
  add('nodes', r.nodes);
  add('constraint', r.constraint);
  for (const d of r.extraDirectives) out.push(`#SBATCH ${d}`);
  return out;
}

/** `0-9`, `0-9%2`: the array spec of `n` elements. */
export function arraySpec(n: number, throttle: number | null): string {
  const range = n === 1 ? '0' : `0-${n - 1}`;
  return throttle === null ? range : `${range}%${throttle}`;
}

export function slurmJobScript(job: JobSpec<SlurmResources>): string {
  const n = job.elements.length;
  const count = job.elements.reduce((s, e) => s + e.length, 0);
  const lines = [
    '#!/bin/bash',
    `# hsm job script: ${plural(count, 'task')} of sweep ${job.name.replace(/^hsm-/, '')}, one array element each.`,
    "# Each element runs its task with hsm's runner, which writes the task's started/exit records",
    "# into its task directory; the task itself is that directory's command.sh.",
    `#SBATCH --job-name=${directiveValue(job.name)}`,
    `#SBATCH --comment=${directiveValue(job.comment)}`,
    `#SBATCH --array=${arraySpec(n, job.throttle)}`,
    `#SBATCH --output=${directiveValue(`${job.logDir}/%A_%a.out`)}`,
    `#SBATCH --chdir=${directiveValue(job.workdir)}`,
    // hsm decides what runs again (retry policy per reason): a requeue would rerun an attempt
    // behind its back and overwrite its records
    '#SBATCH --no-requeue',
    ...resourceLines(job.resources),
    '',
    "# This element's tasks: its line of the table below, read from this script (bash never parses",
    '# the table: a `case` of 1,000 elements took each element ~10 ms to parse).',
    'hsm_i=${SLURM_ARRAY_TASK_ID:-0}',
    // the skip count is filled in below: the lines before the table (bash's mapfile, no fork)
    '',
    ...elementLookup('"$0"'),
    `cd ${quoteShellWord(job.tasksDir)} || exit 75`,
    SET_ELEMENT_WORDS,
    // the runner works through the element's tasks in order (several when packed), each with its
    // own records and exit code; sourced, in this shell: a second bash cost each element ~2 ms
    `set -- run "$@"`,
    `. ${quoteShellWord(job.runner)}`,
    'exit 70 # the runner exits itself',
    TABLE_HEADER,
  ];
  const read = lines.indexOf('hsm_i=${SLURM_ARRAY_TASK_ID:-0}') + 1;
  lines[read] = `mapfile -t -s $((${lines.length} + hsm_i)) -n 1 hsm_e <"$0"`;
  for (let i = 0; i < n; i++) lines.push(elementTableLine(i, job.elements[i]!));
  return lines.join('\n') + '\n';
}

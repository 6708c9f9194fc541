import type { BatchDialect } from '../batch/batch-dialect.js';
import {
  parseSacct,
  parseSbatch,
  parseScontrolConfig,
  parseSqueue,
  SACCT_FIELDS,
  SQUEUE_FORMAT,
} from './slurm-parse.js';
import { readSlurmResources, scaleSlurmResources, type SlurmResources } from './slurm-resources.js';
import { slurmJobScript } from './slurm-script.js';
import { classifySbatchError, slurmVerdict } from './slurm-states.js';

// Slurm as a batch dialect: sbatch/squeue/sacct/scancel argv and their parsers. Pure.

/** sacct's --starttime: local time, second precision (sacct reads local time). */
function sacctStart(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export const slurmDialect: BatchDialect<SlurmResources> = {
  scheduler: 'slurm',
  submitProgram: 'sbatch',
  readResources: readSlurmResources,
  scaleResources: scaleSlurmResources,
  jobScript: slurmJobScript,
  submitArgv: (scriptPath) => ['sbatch', '--parsable', scriptPath],
  parseSubmit: parseSbatch,
  classifySubmitError: classifySbatchError,
  limitsArgv: () => ['scontrol', 'show', 'config'],
  parseLimits: parseScontrolConfig,
  // pending elements of an array stay folded (`123_[4-999%2]`): one line per array, not per task
  queueArgv: (jobName) => ['squeue', '--noheader', `--name=${jobName}`, `--format=${SQUEUE_FORMAT}`],
  parseQueue: parseSqueue,
  accountingArgv: (jobIds, since) => [
    'sacct',
    '--parsable2',
    '--noheader',
    '--allocations',
    '--duplicates',
    `--starttime=${sacctStart(since)}`,
    `--jobs=${[...new Set(jobIds)].join(',')}`,
    `--format=${SACCT_FIELDS}`,
  ],
  parseAccounting: parseSacct,
  findArgv: (jobName, since) => [
    'sacct',
    '--parsable2',
    '--noheader',
    '--allocations',
    `--starttime=${sacctStart(since)}`,
    `--name=${jobName}`,
    `--format=${SACCT_FIELDS}`,
  ],
  verdict: slurmVerdict,
  cancelArgv: (jobIds) => ['scancel', ...jobIds],
  elementHandle: (jobId, index) => `${jobId}_${index}`,
  // the job script's `--output=<logDir>/%A_%a.out`
  elementOutputName: (jobId, index) => `${jobId}_${index}.out`,
};

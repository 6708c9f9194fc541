import { HsmError } from '../../domain/errors.js';
import { quoteShellWord } from '../../domain/shell-quote.js';
import { arrayIndexVariable, type PbsFlavour } from './pbs-flavour.js';
import { resourceDirectives, type PbsResources } from './pbs-resources.js';
import {
  elementLookup,
  elementTableLine,
  SET_ELEMENT_WORDS,
  TABLE_HEADER,
  type TableEntry,
} from '../batch/element-table.js';

// The text of one PBS job script: #PBS directives, then the runner (`hsm-runner.sh run`) with the
// attempts of the subjob's line of the table at the end of the script (batch/element-table.ts, as
// for Slurm), which writes each task's records as on every other source. The line is read from the
// script's own path, not `$0`: a PBS server may hand the script to the shell on stdin. A job of one
// entry is a plain job; more entries make an array, throttled with `%N` (PBS Pro `-J`, Torque `-t`).
// Paths are quoted by the one quoting function.

export interface PbsScriptInput {
  flavour: PbsFlavour;
  /** Job name (`-N`): carries the sweep id. */
  name: string;
  /** A job variable (`-v NAME=value`) naming the sweep and the submission, found again in qstat -f. */
  comment: { variable: string; value: string } | null;
  resources: PbsResources;
  /** Subjobs running at once; null for the server's own limit. */
  throttle: number | null;
  /** The runner script where the job runs (run with bash). */
  runner: string;
  /** The sweep's task directories where the job runs: the job's working directory (PBS starts
   * jobs in $HOME). */
  tasksDir: string;
  /** Where the job's own output file goes (`-o DIR/`), when it is a path qsub reads as one word. */
  logDir: string | null;
  /** The script's own path where the job runs (the subjobs read their line of the table from it). */
  script: string;
  /** Entry i: the attempts array index i runs, in order (one each, unless tasks are packed). */
  entries: readonly (readonly TableEntry[])[];
}

const NAME = /^[A-Za-z][A-Za-z0-9._-]{0,235}$/;
// `-v` splits on commas and `=`; `-o` takes one word: only these characters go in unquoted
const PLAIN_VALUE = /^[A-Za-z0-9._:@/+-]+$/;

export function renderPbsScript(input: PbsScriptInput): string {
  if (!NAME.test(input.name)) {
    throw new HsmError('internal', `PBS job name ${JSON.stringify(input.name)} is not a valid job name`);
  }
  if (input.entries.length === 0 || input.entries.some((e) => e.length === 0)) {
    throw new HsmError('internal', 'a PBS job script needs at least one attempt in every entry');
  }
  const lines = ['#!/bin/sh', `#PBS -N ${input.name}`, '#PBS -j oe'];
  if (input.logDir !== null && PLAIN_VALUE.test(input.logDir))
    lines.push(`#PBS -o ${input.logDir.replace(/\/?$/, '/')}`);
  if (input.comment) {
    if (!PLAIN_VALUE.test(input.comment.value))
      throw new HsmError(
        'internal',
        `job comment ${JSON.stringify(input.comment.value)} cannot be a PBS variable`,
      );
    lines.push(`#PBS -v ${input.comment.variable}=${input.comment.value}`);
  }
  lines.push(...resourceDirectives(input.flavour, input.resources));
  const last = input.entries.length - 1;
  if (last > 0) {
    const flag = input.flavour === 'pro' ? '-J' : '-t';
    lines.push(`#PBS ${flag} 0-${last}${input.throttle ? `%${input.throttle}` : ''}`);
  }
  lines.push(
    input.entries.length === 1
      ? '# hsm: one job; it runs the attempts of the table line below'
      : `# hsm: an array of ${input.entries.length} subjobs; each runs the attempts of its table line below`,
    `hsm_i=\${${arrayIndexVariable(input.flavour)}:-0}`,
    'hsm_e=',
    ...elementLookup(quoteShellWord(input.script)),
    `cd ${quoteShellWord(input.tasksDir)} || exit 75`,
    SET_ELEMENT_WORDS,
    `exec bash ${quoteShellWord(input.runner)} run "$@"`,
    TABLE_HEADER,
    ...input.entries.map((tasks, i) => elementTableLine(i, tasks)),
  );
  return lines.join('\n') + '\n';
}

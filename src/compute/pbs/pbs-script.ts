import { HsmError } from '../../domain/errors.js';
import { quoteShellWord } from '../../domain/shell-quote.js';
import { arrayIndexVariable, type PbsFlavour } from './pbs-flavour.js';
import { resourceDirectives, type PbsResources } from './pbs-resources.js';

// The text of one PBS job script: #PBS directives, then a table from the array index to the
// attempts that subjob runs, then the runner (`hsm-runner.sh run`), which writes each task's records
// as on every other source. A job of one entry is a plain job; more entries make an array, throttled
// with `%N` (PBS Pro `-J`, Torque `-t`). Paths are quoted by the one quoting function.

export interface PbsAttemptRef {
  attempt: number;
  /** The task's directory where the job runs it. */
  taskDir: string;
}

export interface PbsScriptInput {
  flavour: PbsFlavour;
  /** Job name (`-N`): carries the sweep id so a submit can be recognised later. */
  name: string;
  resources: PbsResources;
  /** Subjobs running at once; null for the server's own limit. */
  throttle: number | null;
  /** The runner script where the job runs. */
  runner: string;
  /** Entry i: the attempts array index i runs, in order (one each, unless tasks are packed). */
  entries: readonly (readonly PbsAttemptRef[])[];
}

const NAME = /^[A-Za-z][A-Za-z0-9._-]{0,235}$/;

export function renderPbsScript(input: PbsScriptInput): string {
  if (!NAME.test(input.name)) {
    throw new HsmError('internal', `PBS job name ${JSON.stringify(input.name)} is not a valid job name`);
  }
  if (input.entries.length === 0 || input.entries.some((e) => e.length === 0)) {
    throw new HsmError('internal', 'a PBS job script needs at least one attempt in every entry');
  }
  const lines = ['#!/bin/sh', `#PBS -N ${input.name}`, '#PBS -j oe'];
  lines.push(...resourceDirectives(input.flavour, input.resources));
  const last = input.entries.length - 1;
  if (last > 0) {
    const flag = input.flavour === 'pro' ? '-J' : '-t';
    lines.push(`#PBS ${flag} 0-${last}${input.throttle ? `%${input.throttle}` : ''}`);
  }
  lines.push(
    input.entries.length === 1
      ? '# hsm: one job; it runs the attempts of the line below'
      : `# hsm: an array of ${input.entries.length} subjobs; each runs the attempts of its line below`,
    `hsm_index=\${${arrayIndexVariable(input.flavour)}:-0}`,
    'case $hsm_index in',
  );
  input.entries.forEach((refs, i) => {
    const words = refs.map((r) => `${r.attempt} ${quoteShellWord(r.taskDir)}`).join(' ');
    lines.push(`${i}) set -- ${words} ;;`);
  });
  lines.push(
    `*) echo "hsm: this job has no array index $hsm_index" >&2; exit 2 ;;`,
    'esac',
    `exec /bin/sh ${quoteShellWord(input.runner)} run "$@"`,
  );
  return lines.join('\n') + '\n';
}

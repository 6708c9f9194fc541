import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Diagnostic, SweepDefinition } from '../sweep/index.js';

// A sweep whose command names a script that is not there runs every task only to fail it the same
// way (`python3: can't open file ...`), on a cluster after its queue wait. The script is looked
// for before anything runs, where the tasks start: the project root (sources that run elsewhere
// run a copy of this project). A warning, not an error: a setup step or a task may make it.

/** Files a command runs as its script: an interpreter's first operand, or a path to a program. */
const SCRIPT = /\.(py|sh|bash|R|jl|rb|pl|js|mjs|lua)$/;

/** The script of `command` (a word, as the task's argv has it), or null when it names none. */
export function scriptOf(command: readonly string[]): string | null {
  const [program, ...rest] = command;
  if (program === undefined || program.includes('{')) return null;
  if (program.includes('/') && !isAbsolute(program)) return program; // ./run.sh, bin/train
  for (const w of rest.slice(0, 3)) {
    if (w === '-m' || w === '-c' || w === '-e' || w.includes('{')) return null; // a module, inline code
    if (w.startsWith('-')) continue;
    return SCRIPT.test(w) ? w : null;
  }
  return null;
}

/** A warning when the command's script does not exist under the project root. */
export function missingScript(
  definition: SweepDefinition,
  projectRoot: string,
  where?: string,
): Diagnostic[] {
  const script = scriptOf(definition.command);
  if (script === null || existsSync(resolve(projectRoot, script))) return [];
  const fix =
    definition.commandSource === 'config'
      ? 'set `project.training_script` in hsm_config.yaml to your script, relative to the project root, or give the sweep file a `command:`'
      : `fix the path in ${where === '--cmd' ? '--cmd' : '`command:`'} (relative paths start at the project root, where tasks run)`;
  return [
    {
      severity: 'warning',
      message: `the command's script ${script} does not exist in the project root ${projectRoot}: every task would fail`,
      ...(where === undefined ? {} : { file: where }),
      hint: fix,
    },
  ];
}

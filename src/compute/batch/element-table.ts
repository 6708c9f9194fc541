import { HsmError } from '../../domain/errors.js';
import { quoteShellWord } from '../../domain/shell-quote.js';

// How an element of a job array finds the attempts it runs, one mechanism for every scheduler: a
// table at the end of the job script, one comment line per element
// (`# <index>) <attempt> <task dir> [<attempt> <task dir>...] # <task> <key>`). The element reads
// its own line only (no shell ever parses the table: a `case` of 1,000 elements cost each element
// ~10 ms) and hands its words to the runner with `eval "set -- ..."`, each quoted by the one
// quoting function. The index is in `$hsm_i`; the line, if a scheduler-specific fast path has read
// it already, in `$hsm_e`.

export interface TableEntry {
  attempt: number;
  /** The task's directory, relative to the sweep's `tasks/`. */
  dir: string;
  /** Name and key, written after the words as a comment for a human reading the script. */
  task?: string;
  key?: string;
}

export const TABLE_HEADER = '# index) attempt task_dir [attempt task_dir...] # task key';

/** Element `i`'s line of the table. */
export function elementTableLine(i: number, tasks: readonly TableEntry[]): string {
  const words = tasks.flatMap((t) => [String(t.attempt), quoteShellWord(t.dir)]);
  if (words.some((w) => /[\n\r]/.test(w)))
    throw new HsmError(
      'config',
      `cannot write the task directory ${JSON.stringify(tasks[0]!.dir)} into a job script`,
      { hint: 'task directories are one line' },
    );
  const named = tasks.filter((t) => t.task !== undefined);
  const keys = named.map((t) => `${t.task} ${(t.key ?? '').slice(0, 12)}`.trimEnd()).join(', ');
  return `# ${i}) ${words.join(' ')}${keys ? ` # ${keys}` : ''}`;
}

/** sh lines that make sure `$hsm_e` is element `$hsm_i`'s line, read from `script` (a shell word:
 * `"$0"`, or a quoted path) when it is not already, and end the job (exit 2) when there is none. */
export function elementLookup(script: string): string[] {
  return [
    // not at its place (lines added to the script since: by hand, by a site's submit filter), or no
    // fast path: searched
    `case $hsm_e in "# $hsm_i) "*) ;; *) hsm_e=$(grep -m 1 "^# $hsm_i) " ${script}) ;; esac`,
    '[ -n "$hsm_e" ] || { echo "hsm: no task for array index $hsm_i" >&2; exit 2; }',
  ];
}

/** The sh line that sets the positional parameters to the element's attempts and task directories. */
export const SET_ELEMENT_WORDS = 'eval "set -- ${hsm_e#"# $hsm_i) "}"';

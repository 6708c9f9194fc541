import { basename, extname } from 'node:path';
import { HsmError } from '../domain/errors.js';
import { buildInvalidFileError, hasErrors, parseSweepText, splitCommandWords } from '../sweep/index.js';
import type { Diagnostic, SweepDefinition } from '../sweep/index.js';

// `hsm run --cmd 'python training/train.py lr=0.1'`: one run without a sweep file, as a sweep of
// one task (overrides after `--` may still add axes), so it has the layout, status, logs, cancel and
// complete of every sweep on every source. The command is split into argv words like a sweep
// file's `command:` (quotes group words; nothing is expanded, no shell runs it).

const NO_PARAMETERS = 'the sweep defines no parameters: it has exactly one task';

export function commandSweepDefinition(
  command: string,
  overrides: readonly string[],
): { definition: SweepDefinition; warnings: Diagnostic[] } {
  if (command.trim() === '')
    throw new HsmError('usage', '--cmd is empty', { hint: "e.g. --cmd 'python training/train.py lr=0.1'" });
  const text = [
    `name: ${JSON.stringify(commandName(command))}`,
    `command: ${JSON.stringify(command)}`,
    'args: hydra',
    '',
  ].join('\n');
  const { definition, diagnostics } = parseSweepText(text, { file: null, displayFile: '--cmd', overrides });
  if (!definition || hasErrors(diagnostics))
    throw buildInvalidFileError('--cmd', diagnostics, 'fix the command (quotes must be closed)');
  return { definition, warnings: diagnostics.filter((d) => d.message !== NO_PARAMETERS) };
}

// A sweep name from the command: the script's name (`train` for python training/train.py), else
// the program's.
function commandName(command: string): string {
  let words: string[];
  try {
    words = splitCommandWords(command);
  } catch {
    return 'cmd';
  }
  const script = words.slice(1).find((w) => !w.startsWith('-') && !w.includes('=') && /[./]/.test(w));
  const name = basename(script ?? words[0] ?? 'cmd', extname(script ?? ''))
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^[^A-Za-z0-9]+/, '');
  return name.slice(0, 40) || 'cmd';
}

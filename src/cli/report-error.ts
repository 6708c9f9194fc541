import { HsmError, toHsmError } from '../domain/errors.js';
import { exitCodeForError } from './exit-codes.js';

// Prints an error as one human paragraph on stderr (what failed, the evidence, what to do) and
// returns the exit code. A stack trace only with -v, or for internal errors that are bugs.
export function reportError(err: unknown, verbose: boolean): number {
  const e: HsmError = toHsmError(err);
  const lines = [`hsm: error: ${e.message}`];
  if (e.evidence) lines.push(...e.evidence.split('\n').map((l) => `  | ${l}`));
  if (e.hint) lines.push(`  hint: ${e.hint}`);
  if (e.code === 'internal' && !verbose)
    lines.push('  (this looks like a bug in hsm; run with -v for the stack trace)');
  if (verbose) {
    const cause = e.cause instanceof Error ? e.cause : e;
    if (cause.stack) lines.push(cause.stack);
  }
  process.stderr.write(lines.join('\n') + '\n');
  return exitCodeForError(e.code);
}

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

// Looks a program up on PATH the way execvp would, so a missing `aws` or `kubectl` is reported as
// such before a pty is opened (a pty child that fails to exec only shows up as exit code 1).
export function findExecutable(program: string, path: string | undefined): string | null {
  const candidates = program.includes('/')
    ? [program]
    : (path ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, program));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return null;
}

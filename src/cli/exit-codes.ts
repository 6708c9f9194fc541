import type { ErrorCode } from '../domain/errors.js';

// The command-line contract's exit codes (docs/CLI.md): users script against these.
export const EXIT = {
  ok: 0,
  tasksFailed: 1,
  usage: 2,
  infra: 3,
  interrupted: 130,
} as const;

// The one place that maps error codes to exit codes.
export function exitCodeForError(code: ErrorCode): number {
  switch (code) {
    case 'usage':
    case 'config':
    case 'not_found':
      return EXIT.usage;
    case 'infra':
    case 'locked':
      return EXIT.infra;
    case 'interrupted':
      return EXIT.interrupted;
    case 'internal':
      return EXIT.infra;
  }
}

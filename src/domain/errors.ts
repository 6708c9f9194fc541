// The one error type of hsm. A code says what kind of failure it is (the CLI maps codes to exit
// codes in one place); the message says what failed and on what; `evidence` carries what was seen
// (an stderr tail, a file:line:col); `hint` says what to do next.

export type ErrorCode =
  | 'usage' // bad command-line usage
  | 'config' // invalid sweep file / hsm_config.yaml / node set
  | 'not_found' // a sweep id, task, file that does not exist
  | 'infra' // host unreachable, scheduler down, disk unwritable
  | 'locked' // another hsm process holds the sweep
  | 'interrupted' // Ctrl-C
  | 'internal'; // a bug in hsm

export interface HsmErrorOptions {
  evidence?: string;
  hint?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class HsmError extends Error {
  readonly code: ErrorCode;
  readonly evidence: string | undefined;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: HsmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HsmError';
    this.code = code;
    this.evidence = options.evidence;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }
}

// Narrows unknown values thrown by libraries to an HsmError, keeping the original as the cause.
export function toHsmError(err: unknown): HsmError {
  if (err instanceof HsmError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new HsmError('internal', message, { cause: err });
}

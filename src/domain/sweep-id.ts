// What a sweep id (and a sweep file's `name:`, which starts the generated id) may be: one directory
// name that every command finds. A leading `.` would hide it (and `..` leave the output directory),
// `/` would nest it, and the length leaves room for the `_YYYYMMDD_HHMMSS` stamp, a clash suffix and
// the `.partial` name it is created under, well below the 255-byte limit of file names.

export const SWEEP_ID_CHARS = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const MAX_SWEEP_ID_LENGTH = 100;
export const MAX_SWEEP_NAME_LENGTH = 64;

const RULE = 'letters, digits, `.`, `_` and `-`, starting with a letter or digit';

// Why a sweep id or name is not acceptable, or null when it is.
export function sweepIdProblem(value: string, what: 'id' | 'name'): string | null {
  const max = what === 'id' ? MAX_SWEEP_ID_LENGTH : MAX_SWEEP_NAME_LENGTH;
  if (!SWEEP_ID_CHARS.test(value)) return `may contain only ${RULE}`;
  if (value.length > max) return `is ${value.length} characters long; at most ${max} are allowed`;
  return null;
}

export const SWEEP_ID_RULE = `${RULE}, at most ${MAX_SWEEP_ID_LENGTH} characters`;

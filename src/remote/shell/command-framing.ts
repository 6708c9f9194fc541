import { randomBytes } from 'node:crypto';

// How a command is typed into an interactive shell and how its output and exit code are found in
// what comes back, without trusting the remote prompt.
//
// - Markers: `__HSM_B_<token>__` before the output, `__HSM_E_<token>_<exit code>__` after it. The
//   token is 16 random hex digits per command, so output that happens to contain marker-like text
//   (even a previous command's markers) never matches. The shell prints each marker from two
//   printf arguments (`'__HSM_B_' '<token>'`), so if echo could not be turned off, the echoed
//   command line does not contain the joined marker either.
// - The end marker follows the output directly (no `\n` of its own before it): the output ends
//   exactly where the marker starts, so a complete line can be released as soon as it arrives.
//   Its token is not the begin marker's (see buildRunLine).
// - The command text travels encoded: bytes outside a small safe set become `\ooo` octal escapes
//   inside single quotes, and the encoded text is appended to a shell variable a short line at a
//   time. Why: (1) a canonical-mode tty (sh/dash without line editing) truncates lines at 4095
//   bytes and relays (SSM) split input into messages, so lines stay short; (2) tabs, `!`, control
//   characters and newlines in a typed line would trigger completion, history expansion or early
//   execution — after encoding only [A-Za-z0-9 ,._:/=+@-], `\` and quotes are ever typed; (3)
//   `printf` with octal escapes is a POSIX builtin in every shell, so nothing (not even base64)
//   has to exist on the node.
// - The command runs as `( eval "$__hsm_x" ) </dev/null`: in a subshell, so `exit 42` or `cd` does not
//   change the session, and with stdin from /dev/null, so a command that reads stdin cannot eat
//   the lines typed after it.
// - `command printf` bypasses aliases and functions an rc file may have defined for printf.

export const CHUNK_CHARS = 200;
const SAFE_BYTE = /[A-Za-z0-9 ,._:/=+@-]/;

// A fresh random marker token for one command or one synchronisation.
export function newMarkerToken(): string {
  return randomBytes(8).toString('hex');
}

// Encodes a command into printf-format text: safe bytes as-is, every other byte as `\ooo`.
// Returns pieces that must not be split (one byte each) so chunking never cuts an escape.
export function encodeForPrintf(command: string): string[] {
  const pieces: string[] = [];
  for (const byte of Buffer.from(command, 'utf8')) {
    const ch = String.fromCharCode(byte);
    pieces.push(SAFE_BYTE.test(ch) ? ch : '\\' + byte.toString(8).padStart(3, '0'));
  }
  return pieces;
}

// The lines that store the encoded command in `$__hsm_c`, each at most ~CHUNK_CHARS + 25 bytes.
export function buildCommandLines(command: string): string[] {
  const pieces = encodeForPrintf(command);
  const lines: string[] = [];
  let chunk = '';
  const flush = () => {
    lines.push(lines.length === 0 ? `__hsm_c='${chunk}'` : `__hsm_c="$__hsm_c"'${chunk}'`);
    chunk = '';
  };
  for (const piece of pieces) {
    if (chunk.length + piece.length > CHUNK_CHARS) flush();
    chunk += piece;
  }
  if (chunk !== '' || lines.length === 0) flush();
  return lines;
}

// Decodes `$__hsm_c` into `$__hsm_x` in the session's shell. bash: `printf -v`, no fork
// (a command substitution in an interactive bash costs ~2 ms here, most of a command's overhead:
// docs/benchmarks.md); other shells: `$(printf ...)`.
export const DECODE_LINE =
  'if [ -n "$BASH_VERSION" ]; then command printf -v __hsm_x "$__hsm_c"; else __hsm_x=$(command printf "$__hsm_c"); fi';

// The line that decodes and runs the stored command between the two markers. The end token is
// not the begin token: `$_` in the command holds the last word of the begin printf, and the
// session keeps no history (session-setup.ts), so the command cannot learn the end token and
// print a forged end marker with an exit code of its choice. Shell options an rc file set
// (`set -e`, `-u`, noglob, pipefail) are switched off in the command's subshell.
export function buildRunLine(token: string, endToken: string): string {
  return (
    `${DECODE_LINE}; command printf '%s%s__\\n' '__HSM_B_' '${token}'; ` +
    `( ${RESET_OPTIONS}; eval "$__hsm_x" ) </dev/null; __hsm_rc=$?; ` +
    `command printf '%s%s_%s__\\n' '__HSM_E_' '${endToken}' "$__hsm_rc"`
  );
}

// A command means what it means over ssh's exec channel: none of these options set.
const RESET_OPTIONS = 'set +eufCa; [ -n "$BASH_VERSION" ] && set +o pipefail';

// A line whose only effect is to print a synchronisation marker.
export function buildSyncLine(token: string): string {
  return `command printf '%s%s__\\n' '__HSM_S_' '${token}'`;
}

export function syncMarker(token: string): string {
  return `__HSM_S_${token}__`;
}

export function beginMarker(token: string): string {
  return `__HSM_B_${token}__`;
}

// Finds the end marker of `token` in raw session text: its index, length and exit code.
export function findEndMarker(
  text: string,
  token: string,
  from = 0,
): { index: number; length: number; exitCode: number } | null {
  const prefix = `__HSM_E_${token}_`;
  const at = text.indexOf(prefix, from);
  if (at < 0) return null;
  const m = /^(\d+)__/.exec(text.slice(at + prefix.length, at + prefix.length + 16));
  if (!m) return null;
  return { index: at, length: prefix.length + m[0].length, exitCode: Number(m[1]) };
}

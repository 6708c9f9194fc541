import { quoteShellWord } from '../../domain/shell-quote.js';

// The remote side of one `hsm exec` command. Before the user's command line, a tiny POSIX `sh`
// prints the login shell's pid to stderr between two RS (0x1e) bytes. sshd setsid()s every
// session, so that pid is the session's process group: `kill -TERM -- -PGID` later ends the
// command with all its children (killing the local ssh client does NOT stop a remote command run
// without a pty). The marker also proves the connection worked (ssh-failure.ts). The prologue is
// one single-quoted `sh -c` word followed by `;`, which bash, zsh, dash, ksh, fish and tcsh all
// parse the same way; the user's command line follows verbatim, for the login shell to run.

export const MARKER_PREFIX = '\x1ehsm-pgid:';
const MARKER = /\x1ehsm-pgid:(\d+)\x1e\n/;

// The command line sent to the node: prologue + the user's command as typed.
export function wrapRemoteCommand(command: string): string {
  return `sh -c 'printf "\\036hsm-pgid:%s\\036\\n" "$PPID" >&2'; ${command}`;
}

// The command line that terminates a remote command's process group (SIGTERM, then SIGKILL).
// `kill -TERM -PGID`, not `kill -TERM -- -PGID`: dash's kill reads `--` as a pid and fails.
export function buildRemoteKillCommand(pgid: number): string {
  const g = String(Math.trunc(pgid));
  return `sh -c ${quoteShellWord(`kill -TERM -${g} 2>/dev/null || exit 0; sleep 1; kill -KILL -${g} 2>/dev/null; exit 0`)}`;
}

export interface SplitStderr {
  /** ssh's own text (before the marker, or everything when there is no marker). */
  sshText: string;
  /** The command's stderr (after the marker). */
  commandStderr: string;
  pgid: number | null;
}

// Splits raw ssh stderr into ssh's text, the pid marker and the command's stderr.
export function splitStderr(raw: string): SplitStderr {
  const m = MARKER.exec(raw);
  if (!m) return { sshText: raw, commandStderr: '', pgid: null };
  return {
    sshText: raw.slice(0, m.index),
    commandStderr: raw.slice(m.index + m[0].length),
    pgid: Number(m[1]),
  };
}

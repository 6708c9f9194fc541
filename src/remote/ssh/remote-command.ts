import { quoteShellWord } from '../../domain/shell-quote.js';

// The remote side of one `hsm exec` command. Before the user's command line, a tiny POSIX `sh`
// prints the login shell's pid to stderr and to stdout between two RS (0x1e) bytes. sshd setsid()s every
// session, so that pid is the session's process group: `kill -TERM -- -PGID` later ends the
// command with all its children (killing the local ssh client does NOT stop a remote command run
// without a pty). The marker also proves the connection worked (ssh-failure.ts). The prologue is
// one single-quoted `sh -c` word followed by `;`, which bash, zsh, dash, ksh, fish and tcsh all
// parse the same way; the user's command line follows verbatim, for the login shell to run.

export const MARKER_PREFIX = '\x1ehsm-pgid:';
const MARKER = /\x1ehsm-pgid:(\d+)\x1e\n/;

// Remote commands die with their connection. Without a pty, sshd does not signal a command whose
// connection is gone (sshd killed, connection reset): it runs on, orphaned. A background watcher
// (stdio on /dev/null, so it never holds the session open) reads the login shell's parent (the
// sshd session process) from /proc, first before the command starts (not in the background: a
// command that kills sshd at once would win that race), then once a second; when the login shell
// is re-parented, the connection is gone and the watcher ends the session's process group (itself
// included). Where /proc is missing the watcher does not start.
const CONNECTION_WATCHER =
  'g=$PPID; if read -r _ _ _ p _ 2>/dev/null </proc/$g/stat; then ' +
  '(exec </dev/null >/dev/null 2>&1; while sleep 1; do read -r _ _ _ q _ </proc/$g/stat || exit 0; ' +
  '[ "$q" = "$p" ] || { kill -TERM -$g; exit 0; }; done) & fi';

// The command line sent to the node: prologue + the user's command as typed.
export function wrapRemoteCommand(command: string): string {
  const line = `printf "\\036hsm-pgid:%s\\036\\n" "$PPID"`;
  return `sh -c '${line} >&2; ${line}; ${CONNECTION_WATCHER}'; ${command}`;
}

// The command line that terminates a remote command's process group (SIGTERM, then SIGKILL).
// `kill -TERM -PGID`, not `kill -TERM -- -PGID`: dash's kill reads `--` as a pid and fails.
export function buildRemoteKillCommand(pgid: number): string {
  const g = String(Math.trunc(pgid));
  return `sh -c ${quoteShellWord(`kill -TERM -${g} 2>/dev/null || exit 0; sleep 1; kill -KILL -${g} 2>/dev/null; exit 0`)}`;
}

// ssh's own lines that can come before the start-up line (host key notes, key exchange warnings):
// not the node's output. Everything else before it was printed on the node (an rc file, or the
// login shell refusing the command line: `echo 'oops` is a syntax error before the prologue runs).
const SSH_OWN_LINE = /^(?:Warning: Permanently added .*|\*\* .*)\r?\n/gm;
const MAX_MARKER_BYTES = 40;

// Reads ssh's stderr (or stdout) as it arrives and splits it at the start-up line: what came before
// it, the process group it announces, and the command's output after it. Linear: the line is
// searched for only in the newly arrived bytes (plus the few before them that could hold its
// start). On stdout the line comes first, in order with the command's output, so the process group
// is known before the command's first byte is; ssh's own lines exist only on stderr.
export class StartupLineSplitter {
  pgid: number | null = null;
  /** Everything before the start-up line (all of stderr while it has not come). */
  private readonly before: Buffer[] = [];
  private beforeBytes = 0;

  private passThrough = false;

  // `holdLimit`: past this many bytes without the line, stop looking and pass everything on (a
  // node without `sh` runs the command without the prologue).
  constructor(
    private readonly dropSshLines = true,
    private readonly holdLimit = Infinity,
  ) {}

  // Adds a chunk; returns the bytes that are now known to be the command's stderr (the node's
  // text before the start-up line is released with it, once the line has come).
  push(chunk: Buffer): Buffer {
    if (this.pgid !== null || this.passThrough) return chunk;
    this.before.push(chunk);
    this.beforeBytes += chunk.length;
    if (this.beforeBytes > this.holdLimit) {
      this.passThrough = true;
      const held = this.beforeWithoutSshLines;
      this.before.length = 0;
      return held;
    }
    const tail = this.tailBuffer(chunk.length + MAX_MARKER_BYTES);
    const m = MARKER.exec(tail.toString('latin1'));
    if (!m) return Buffer.alloc(0);
    this.pgid = Number(m[1]);
    const all = Buffer.concat(this.before);
    const at = all.length - tail.length + m.index;
    this.before.length = 0;
    this.before.push(all.subarray(0, at));
    const preamble = this.withoutSshLines(all.subarray(0, at));
    return Buffer.concat([preamble, all.subarray(at + m[0].length)]);
  }

  // ssh's own text (with the node's text before the start-up line): for classifying a failure.
  get beforeText(): string {
    return Buffer.concat(this.before).toString('utf8').replace(MARKER_PREFIX, '');
  }

  // Without a start-up line: what the node printed, without ssh's own lines.
  get beforeWithoutSshLines(): Buffer {
    if (this.passThrough) return Buffer.alloc(0);
    return this.withoutSshLines(Buffer.concat(this.before));
  }

  private withoutSshLines(bytes: Buffer): Buffer {
    if (!this.dropSshLines) return bytes;
    return Buffer.from(bytes.toString('latin1').replace(SSH_OWN_LINE, ''), 'latin1');
  }

  private tailBuffer(n: number): Buffer {
    if (this.before.length === 1 || n >= this.beforeBytes) {
      const all = this.before.length === 1 ? this.before[0]! : Buffer.concat(this.before);
      if (this.before.length > 1) this.before.splice(0, this.before.length, all);
      return all.subarray(Math.max(0, all.length - n));
    }
    const parts: Buffer[] = [];
    let got = 0;
    for (let i = this.before.length - 1; i >= 0 && got < n; i--) {
      parts.unshift(this.before[i]!);
      got += this.before[i]!.length;
    }
    const joined = Buffer.concat(parts);
    return joined.subarray(Math.max(0, joined.length - n));
  }
}

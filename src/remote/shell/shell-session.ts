import type { NodeResult, RunOptions } from '../types.js';
import { buildCommandLines, buildSyncLine, newMarkerToken, syncMarker } from './command-framing.js';
import { OutputFramer } from './output-framer.js';
import { PtySession, type PtySpawnOptions, type RawListener } from './pty-session.js';
import { SETUP_LINES } from './session-setup.js';
import { decodeTerminalBytes, normalizeNewlines, stripTerminalEscapes } from './terminal-text.js';

// One interactive shell on one node, driven through a pty: opened once (set-up + handshake),
// then runs commands one at a time, each framed by random markers that carry its exit code.

/** How long a shell gets to answer a synchronisation line before it is sent again while
 * opening (a login banner, a slow rc file or an SSM hand-shake may swallow early input). */
const HANDSHAKE_RESEND_MS = 2000;
/** How long a shell gets to show its prompt again after Ctrl-C before the session is given up. */
const RECOVER_MS = 3000;
/** Commands whose encoded text is longer than this are sent in batches, each acknowledged, so
 * the node's tty input queue (4 KiB in canonical mode) never overflows. */
const BATCH_BYTES = 1024;
/** Silence after which a command without a timeout may be waiting for terminal input. */
const QUIET_NOTICE_MS = 10_000;
/** Timeouts at least this long count as "no timeout" (the CLI's default is setTimeout's ceiling). */
const NO_TIMEOUT_MS = 86_400_000;
/** Seen in what a session printed before it was ready: it wants a password we will never type. */
const PASSWORD_PROMPT = /(password|passphrase)[^\n]*:\s*$/i;

/** A command's options in a shell session: those of every transport, and text for its terminal. */
export interface ShellRunOptions extends RunOptions {
  /** Text typed to the command once it has started; it reads it from /dev/tty. */
  input?: SessionInput;
}

/**
 * Text for a command's terminal, typed in blocks once the command has started (its begin marker
 * came: the shell has read its whole command line, so nothing of this reaches the shell unless
 * the command stops reading). At most `window` blocks are ahead of the command: the next one is
 * typed each time the command prints a line equal to `ack` (so a slow node is never flooded and
 * the local pty never spins on a full buffer). Only text a terminal passes as is: short lines of
 * printable ASCII, no control characters.
 */
export interface SessionInput {
  blocks: readonly string[];
  ack: string;
  window: number;
  /** Called as each block is handed to the terminal (what was typed before a session died). */
  onTyped?: (block: string) => void;
  /**
   * Type the first blocks right behind the command line, without waiting for its begin marker:
   * one round trip less. Only for a command that reads its terminal at once, text the terminal's
   * input queue holds whole (a few KiB: a canonical-mode tty keeps 4 KiB) and a shell that reads
   * its input a line at a time (one that read ahead would take the text for its own input).
   */
  early?: boolean;
  /**
   * More blocks, known only once the command runs (a caller still working out what to send):
   * appended when this settles, and typed under the same rules, `early` as it then says. Every
   * block typed after the command may have ended reaches the shell: text that must be harmless
   * there (session sync's lines start with `#`). Nothing is typed once the run has returned.
   */
  later?: Promise<{ blocks: readonly string[]; early: boolean }>;
}

export interface OpenResult {
  ok: boolean;
  error: string | null;
  /** What the session printed while opening (its last part): evidence for an error. */
  transcript: string;
}

export class ShellSession {
  private readonly pty: PtySession;
  private broken = false;

  private constructor(pty: PtySession) {
    this.pty = pty;
  }

  // Starts the shell command in a pty and waits until the shell answers a synchronisation line
  // with echo off and an empty prompt. Never throws: a failure comes back in `error`.
  static async open(
    argv: readonly string[],
    options: { connectTimeoutMs: number; signal?: AbortSignal; onRaw?: RawListener; spawn?: PtySpawnOptions },
  ): Promise<{ session: ShellSession | null } & OpenResult> {
    let pty: PtySession;
    try {
      pty = new PtySession(argv, options.spawn);
    } catch (err) {
      return {
        session: null,
        ok: false,
        error: `could not start ${argv[0]}: ${String(err)}`,
        transcript: '',
      };
    }
    pty.listener = options.onRaw ?? null;
    const session = new ShellSession(pty);
    const deadline = Date.now() + options.connectTimeoutMs;
    const tokens: string[] = [];
    let outcome: Awaited<ReturnType<PtySession['waitFor']>> = { kind: 'timeout' };
    while (Date.now() < deadline) {
      const token = newMarkerToken();
      tokens.push(token);
      pty.write([...SETUP_LINES, buildSyncLine(token)].join('\n') + '\n');
      outcome = await pty.waitFor(
        (text) => tokens.some((t) => text.includes(syncMarker(t))) || PASSWORD_PROMPT.test(text) || null,
        Math.min(deadline, Date.now() + HANDSHAKE_RESEND_MS),
        options.signal,
      );
      if (outcome.kind !== 'timeout') break;
    }
    const transcript = tail(pty.text, [...SETUP_LINES, 'command printf']);
    if (outcome.kind === 'found' && PASSWORD_PROMPT.test(pty.text)) {
      pty.kill();
      return { session: null, ok: false, error: 'the shell command asks for a password', transcript };
    }
    if (outcome.kind !== 'found') {
      const error =
        outcome.kind === 'exited'
          ? `the shell command exited (code ${pty.exit?.exitCode}) before a shell answered`
          : outcome.kind === 'aborted'
            ? 'interrupted while opening the session'
            : `no shell answered within ${options.connectTimeoutMs} ms`;
      pty.kill();
      return { session: null, ok: false, error, transcript };
    }
    // Earlier hand-shake attempts may still be queued in the shell: one last sync after which
    // nothing old can arrive (the shell runs lines in order).
    if (!(await session.sync(deadline, options.signal))) {
      pty.kill();
      return { session: null, ok: false, error: 'the shell stopped answering while opening', transcript };
    }
    pty.listener = null;
    return { session, ok: true, error: null, transcript };
  }

  get isUsable(): boolean {
    return !this.broken && this.pty.isAlive;
  }

  // Runs one command line; never throws. The session stays usable unless `isUsable` says otherwise.
  // `options.input` is typed to the command as it runs (SessionInput).
  async run(node: string, command: string, options: ShellRunOptions): Promise<NodeResult> {
    const started = Date.now();
    const pty = this.pty;
    pty.listener = options.onData ? (dir, chunk) => options.onData!(dir, chunk) : null;
    const result = (fields: Partial<NodeResult>): NodeResult => ({
      node,
      exitCode: null,
      stdout: '',
      stderr: '',
      timedOut: false,
      error: null,
      durationMs: Date.now() - started,
      ...fields,
    });
    const parts: string[] = [];
    try {
      if (!this.isUsable) return result({ error: 'the shell session is closed' });
      const deadline = started + options.timeoutMs;
      // (the command's last lines and its run line go in one write: node-pty writes through the
      // thread pool, so a write queued behind another waits for this process's event loop)
      const last = await this.sendCommand(command, deadline, options.signal);
      const sent = last !== null;
      // Output is parsed as it arrives and released line by line (--stream, `node: line` output).
      const input = options.input;
      const blocks = input ? [...input.blocks] : [];
      let early = input?.early === true;
      let typed = 0;
      let acks = 0;
      let over = false;
      const feed = () => {
        if (!input || over || !(framer.hasBegun || early)) return;
        while (typed < blocks.length && typed < acks + input.window) {
          const block = blocks[typed++]!;
          pty.write(block);
          input.onTyped?.(block);
        }
      };
      input?.later?.then(
        (more) => {
          blocks.push(...more.blocks);
          early = more.early;
          if (sent) feed();
        },
        () => undefined,
      );
      const framer = new OutputFramer(newMarkerToken(), newMarkerToken(), (text) => {
        parts.push(text);
        options.onData?.('stdout', text);
        if (input) {
          for (const line of text.split('\n')) if (line === input.ack) acks++;
        }
      });
      const leftover = pty.text;
      pty.text = '';
      // A command that reads the terminal (/dev/tty: a password or y/n prompt) waits forever here,
      // where nobody types: after a silence, say so once (only when nothing else ends the wait).
      const watchQuiet = options.onNotice !== undefined && options.timeoutMs >= NO_TIMEOUT_MS;
      let quiet: NodeJS.Timeout | null = null;
      const hush = () => {
        if (quiet) clearTimeout(quiet);
        quiet = null;
      };
      const listen = () => {
        hush();
        if (!watchQuiet) return;
        quiet = setTimeout(() => {
          quiet = null;
          options.onNotice!(
            `no output for ${QUIET_NOTICE_MS / 1000}s; if it waits for input on its terminal (/dev/tty) it will wait forever: Ctrl-C interrupts, -t sets a timeout`,
          );
        }, QUIET_NOTICE_MS);
        quiet.unref();
      };
      listen();
      pty.sink = (chunk) => {
        if (quiet) listen();
        framer.push(chunk);
        feed();
      };
      framer.push(leftover);
      if (sent) pty.write(last + framer.runLine + '\n');
      if (sent && early) feed();
      const outcome = sent
        ? await pty.waitFor(() => framer.ended, deadline, options.signal)
        : ({ kind: 'timeout' } as const);
      over = true;
      hush();
      pty.sink = null;
      if (outcome.kind === 'found') {
        pty.text = outcome.value.rest + pty.text;
        return result({ exitCode: outcome.value.exitCode, stdout: parts.join('') });
      }
      framer.flush();
      const partial = parts.join('');
      if (outcome.kind === 'exited') {
        this.broken = true;
        return result({
          stdout: partial,
          error: `the shell session ended (exit code ${pty.exit?.exitCode}) before the command finished`,
        });
      }
      // Timeout or abort: interrupt the remote command and check the shell is back.
      const recovered = await this.interrupt();
      if (outcome.kind === 'aborted') return result({ stdout: partial, error: 'interrupted' });
      return result({
        stdout: partial,
        timedOut: true,
        error: recovered ? null : 'the shell did not recover after Ctrl-C; session closed',
      });
    } finally {
      pty.sink = null;
      pty.listener = null;
    }
  }

  // Sends Ctrl-C and waits for the shell to answer a sync line; a shell that does not answer
  // (the command ignores SIGINT) is killed so the next command gets a fresh session.
  async interrupt(): Promise<boolean> {
    for (let attempt = 0; attempt < 2 && this.pty.isAlive; attempt++) {
      this.pty.write('\x03');
      if (await this.sync(Date.now() + RECOVER_MS)) return true;
    }
    this.broken = true;
    this.pty.kill();
    return false;
  }

  // Ends the shell politely (`exit`, so an SSM session is closed on the control plane too), then
  // by signal.
  async close(): Promise<void> {
    this.broken = true;
    if (!this.pty.isAlive) return;
    this.pty.write('\x03');
    this.pty.write('\nexit\n');
    if (!(await this.pty.waitExit(2000))) this.pty.kill();
  }

  // Types a sync line and waits for its marker; discards everything up to it.
  private async sync(deadline: number, signal?: AbortSignal): Promise<boolean> {
    const token = newMarkerToken();
    const marker = syncMarker(token);
    this.pty.write(buildSyncLine(token) + '\n');
    const outcome = await this.pty.waitFor(
      (text) => {
        const at = text.indexOf(marker);
        return at < 0 ? null : at;
      },
      deadline,
      signal,
    );
    if (outcome.kind !== 'found') return false;
    this.pty.consume(outcome.value + marker.length);
    return true;
  }

  // Stores the command in `$__hsm_c` on the node, in acknowledged batches when it is long; the
  // last batch is returned (to be typed with the run line), null when the node stopped answering.
  private async sendCommand(command: string, deadline: number, signal?: AbortSignal): Promise<string | null> {
    const lines = buildCommandLines(command);
    let batch = '';
    for (let i = 0; i < lines.length; i++) {
      batch += lines[i] + '\n';
      const last = i === lines.length - 1;
      if (last) break;
      if (batch.length >= BATCH_BYTES) {
        this.pty.write(batch);
        batch = '';
        if (!(await this.sync(deadline, signal))) return null;
      }
    }
    return batch;
  }

  // The pty process id (tests and --debug).
  get pid(): number {
    return this.pty.pid;
  }
}

// The last words of a session that failed to open, without the echo of what we typed into it.
function tail(binary: string, typed: readonly string[]): string {
  const text = decodeTerminalBytes(normalizeNewlines(stripTerminalEscapes(binary)))
    .split('\n')
    .filter((line) => !typed.some((t) => line.includes(t)))
    .join('\n');
  return text.length > 2000 ? text.slice(-2000) : text;
}

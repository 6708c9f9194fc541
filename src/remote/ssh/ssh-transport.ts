import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NodeResult, NodeTarget, RunOptions, Transport } from '../types.js';
import { ByteTextDecoder, decodeBytes } from '../output/byte-text.js';
import { CleanupWatchdog } from './cleanup-watchdog.js';
import {
  buildSshArgv,
  buildSshControlArgv,
  buildSshOptionArgs,
  DEFAULT_CONNECT_TIMEOUT_SEC,
  defaultControlDir,
  type SshClientOptions,
} from './ssh-argv.js';
import { classifySshFailure, connectionLost } from './ssh-failure.js';
import { StartupLineSplitter, buildRemoteKillCommand, wrapRemoteCommand } from './remote-command.js';

// The `ssh` transport: one OpenSSH client process per command over an exec channel, connections
// shared through ControlMaster. It only builds argv (ssh-argv.ts) and reads what comes back;
// limits and fan-out are the caller's. A timeout or an abort ends the REMOTE command too: its
// process group (announced by the prologue, remote-command.ts) is killed through a second ssh,
// then the local client is stopped.

export interface SshTransportOptions extends SshClientOptions {
  /** The ssh program (default `ssh` on PATH). */
  sshProgram?: string;
  /** Environment of the ssh client (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

const KILL_GRACE_MS = 4_000;

export class SshTransport implements Transport {
  readonly kind = 'ssh' as const;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly watchdog = new CleanupWatchdog();

  constructor(private readonly options: SshTransportOptions = {}) {
    buildSshOptionArgs(options); // bad --ssh-option values fail here, once, not on every node
    if (options.controlPath === undefined) mkdirSync(defaultControlDir(), { recursive: true, mode: 0o700 });
    else if (options.controlPath !== null)
      mkdirSync(dirname(options.controlPath), { recursive: true, mode: 0o700 });
  }

  // The exact argv that runs `command` on `node` (for --debug and for tests).
  argvFor(node: NodeTarget, command: string): string[] {
    const argv = buildSshArgv(node.target, wrapRemoteCommand(command), this.options);
    if (this.options.sshProgram) argv[0] = this.options.sshProgram;
    return argv;
  }

  run(node: NodeTarget, command: string, options: RunOptions): Promise<NodeResult> {
    const started = Date.now();
    const [program, ...args] = this.argvFor(node, command);
    return new Promise((resolve) => {
      // detached = setsid(): Ctrl-C at the terminal reaches hsm alone, which then ends the remote
      // command properly; and under the kernel's autogroup scheduling each ssh gets its own CPU
      // share, as pdsh's children do, which halves cold fan-out time on a busy machine (NOTES.md)
      const child = spawn(program!, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: this.options.env,
        detached: true,
      });
      // If hsm dies without cleaning up, the watchdog kills this client while it runs, and the
      // remote process group once it is known. The client's pid is dropped when the client is gone:
      // a mux client's pipes stay open until the remote session ends ('close' comes then), and a
      // pid reaped meanwhile may name another process by the time the watchdog runs.
      let clientLive = child.pid !== undefined;
      let remoteKill: string[] | null = null;
      let cleanup = -1;
      const updateCleanup = () => {
        const commands = [
          ...(clientLive ? [['kill', '-TERM', String(child.pid)]] : []),
          ...(remoteKill ? [remoteKill] : []),
        ];
        if (commands.length > 0) cleanup = this.watchdog.set(cleanup < 0 ? null : cleanup, commands);
        else {
          this.watchdog.clear(cleanup);
          cleanup = -1;
        }
      };
      updateCleanup();
      child.on('exit', () => {
        clientLive = false;
        updateCleanup();
      });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      const split = new StartupLineSplitter();
      const outSplit = new StartupLineSplitter(false, 1 << 20);
      const pgidOf = () => split.pgid ?? outSplit.pgid;
      // once the remote process group is known, the watchdog can end it too
      const notePgid = () => {
        const pgid = pgidOf();
        if (remoteKill !== null || pgid === null) return;
        remoteKill = this.remoteKillArgv(node, pgid);
        updateCleanup();
      };
      let timedOut = false;
      let connectTimedOut = false;
      let interrupted = false;
      let spawnError: string | null = null;
      let stopping: Promise<void> | null = null;

      const outText = new ByteTextDecoder(); // a UTF-8 character may straddle two chunks
      const errText = new ByteTextDecoder();
      child.stdout!.on('data', (chunk: Buffer) => {
        options.onData?.('raw-in', chunk.toString('latin1'));
        const fresh = outSplit.push(chunk);
        notePgid();
        if (fresh.length === 0) return;
        stdout.push(fresh);
        const text = outText.write(fresh);
        if (text) options.onData?.('stdout', text);
      });
      child.stderr!.on('data', (chunk: Buffer) => {
        options.onData?.('raw-in', chunk.toString('latin1'));
        const fresh = split.push(chunk);
        notePgid();
        if (fresh.length === 0) return;
        stderr.push(fresh);
        const text = errText.write(fresh);
        if (text) options.onData?.('stderr', text);
      });
      child.on('error', (err) => (spawnError = `cannot start ${program}: ${err.message}`));

      const stop = () => (stopping ??= this.stopRemote(node, child, pgidOf));
      const timer = setTimeout(() => {
        // nothing from the command yet: the node never answered (a frozen sshd), not a slow command
        if (pgidOf() === null && stdout.length === 0) connectTimedOut = true;
        else timedOut = true;
        void stop();
      }, options.timeoutMs);
      const onAbort = () => {
        interrupted = true;
        void stop();
      };
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });

      child.on('close', (code) => {
        clearTimeout(timer);
        this.watchdog.clear(cleanup);
        options.signal?.removeEventListener('abort', onAbort);
        void (async () => {
          // no start-up line on stdout (the prologue did not run): what was held back is output
          if (outSplit.pgid === null) {
            const held = outSplit.beforeWithoutSshLines;
            if (held.length > 0) {
              stdout.push(held);
              const text = outText.write(held);
              if (text) options.onData?.('stdout', text);
            }
          }
          const commandStarted = split.pgid !== null;
          // Without the start-up line but with an exit code of its own, the login shell ran and
          // refused the command line before the prologue (a syntax error): its words are stderr.
          if (!commandStarted && code !== 255 && code !== null && !spawnError && !timedOut && !interrupted) {
            const words = split.beforeWithoutSshLines;
            if (words.length > 0) {
              stderr.push(words);
              const text = errText.write(words);
              if (text) options.onData?.('stderr', text);
            }
          }
          const tail = errText.end();
          if (tail) options.onData?.('stderr', tail);
          const stderrBytes = Buffer.concat(stderr);
          const sshText = commandStarted ? stderrBytes.subarray(-4096).toString('utf8') : split.beforeText;
          let failure =
            timedOut || interrupted || connectTimedOut
              ? null
              : classifySshFailure(code, sshText, commandStarted);
          // A mux client whose master lost the connection exits 255 with no message (the master
          // prints it, elsewhere): ask whether the master is still there. That holds before the
          // start-up line too: a connection that broke before the line crossed (the node killed at
          // once, the line still in its sshd's pipe) is as silent, while a connect that failed is
          // named by ssh (refused, timed out, host key...), so silence is never one.
          const silent = commandStarted ? !failure : failure?.kind === 'ssh_error' && !/\S/.test(sshText);
          if (silent && code === 255 && !timedOut && !interrupted && !connectTimedOut)
            if (!(await this.masterAlive(node))) failure = connectionLost(commandStarted);
          let error: string | null = spawnError ?? failure?.message ?? null;
          if (connectTimedOut)
            error = `connection timed out: no answer within the command timeout (${formatMs(options.timeoutMs)})`;
          if (interrupted) error = 'interrupted';
          let stderrText = decodeBytes(stderrBytes);
          if (failure?.kind === 'connection_lost' && commandStarted)
            stderrText = stderrText.replace(
              /^(Timeout, server .*|client_loop: .*|Connection to .* closed by remote host\.?)\r?\n?/m,
              '',
            );
          const outTail = outText.end();
          if (outTail) options.onData?.('stdout', outTail);
          resolve({
            node: node.name,
            exitCode: timedOut || interrupted || connectTimedOut || failure || spawnError ? null : code,
            stdout: decodeBytes(Buffer.concat(stdout)),
            stderr: stderrText,
            timedOut,
            error,
            durationMs: Date.now() - started,
          });
        })();
      });
    });
  }

  // Opens (or reuses) the node's master connection, timed: a no-op command. The prompt opens every
  // node up front; `test` and --test-node then time the connection and one round trip apart.
  open(
    node: NodeTarget,
    options: { signal?: AbortSignal; onData?: RunOptions['onData'] } = {},
  ): Promise<NodeResult> {
    const timeoutMs = ((this.options.connectTimeoutSec ?? DEFAULT_CONNECT_TIMEOUT_SEC) + 5) * 1000;
    return this.run(node, 'true', { timeoutMs, signal: options.signal, onData: options.onData });
  }

  // Is the master connection to the node still up? (`ssh -O check`; false when there is none.)
  private async masterAlive(node: NodeTarget): Promise<boolean> {
    if (this.options.controlPath === null) return false;
    const [program, ...args] = buildSshControlArgv(node.target, 'check', this.options);
    const checker = spawn(this.options.sshProgram ?? program!, args, {
      stdio: 'ignore',
      env: this.options.env,
    });
    return new Promise((resolve) => {
      checker.on('error', () => resolve(false));
      checker.on('close', (code) => resolve(code === 0));
    });
  }

  private remoteKillArgv(node: NodeTarget, pgid: number): string[] {
    const argv = buildSshArgv(node.target, buildRemoteKillCommand(pgid), {
      ...this.options,
      connectTimeoutSec: Math.min(this.options.connectTimeoutSec ?? 5, 5),
    });
    if (this.options.sshProgram) argv[0] = this.options.sshProgram;
    return argv;
  }

  // Ends the remote command (its process group, through a second ssh: over the shared master
  // this takes milliseconds), then the local client. Bounded: a dead link cannot hold us up.
  private stopRemote(node: NodeTarget, child: ChildProcess, pgidOf: () => number | null): Promise<void> {
    const work = (async () => {
      // The prologue announcing the process group comes on stderr, the command's first output on
      // stdout: an abort triggered by that output can come before the announcement has been read.
      // Give it a moment (while the child is alive) rather than leave the remote command running.
      let pgid = pgidOf();
      for (let i = 0; pgid === null && i < 40 && child.exitCode === null && child.signalCode === null; i++) {
        await new Promise((r) => setTimeout(r, 25));
        pgid = pgidOf();
      }
      if (pgid !== null) {
        const [program, ...args] = this.remoteKillArgv(node, pgid);
        const killer = spawn(program!, args, {
          detached: true,
          stdio: 'ignore',
          env: this.options.env,
        });
        if (!(await waitForExit(killer, KILL_GRACE_MS))) killer.kill('SIGKILL');
        await waitForExit(child, 1_000);
      }
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      if (!(await waitForExit(child, 2_000))) child.kill('SIGKILL');
      await waitForExit(child, 2_000);
      // A mux client hands its stdout/stderr to the master connection, which holds them until
      // the remote session ends: a dead link would keep the pipes open for ServerAlive's ~15 s.
      // The client is gone, so stop reading (the output so far is kept).
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, 200).unref();
    })();
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
    return work;
  }

  // Waits for remote kills still in flight. Master connections stay (ControlPersist) so that the
  // next command to the same nodes starts in milliseconds; they exit on their own when idle.
  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    this.watchdog.close();
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

// Resolves true when the process has exited within `ms` (killing it if it is a helper that hung).
function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      child.off('exit', done);
      resolve(false);
    }, ms);
    function done() {
      clearTimeout(t);
      resolve(true);
    }
    child.once('exit', done);
  });
}

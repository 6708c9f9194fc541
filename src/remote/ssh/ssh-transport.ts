import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { NodeResult, NodeTarget, RunOptions, Transport } from '../types.js';
import { buildSshArgv, buildSshOptionArgs, defaultControlDir, type SshClientOptions } from './ssh-argv.js';
import { classifySshFailure } from './ssh-failure.js';
import { MARKER_PREFIX, buildRemoteKillCommand, splitStderr, wrapRemoteCommand } from './remote-command.js';

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
      const stdout: Buffer[] = [];
      let rawStderr = '';
      let streamedStderr = 0; // bytes of the command's stderr already passed to onData
      let pgid: number | null = null;
      let timedOut = false;
      let interrupted = false;
      let spawnError: string | null = null;
      let stopping: Promise<void> | null = null;

      const decoder = new StringDecoder('utf8'); // a UTF-8 character may straddle two chunks
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout.push(chunk);
        options.onData?.('raw-in', chunk.toString('latin1'));
        const text = decoder.write(chunk);
        if (text) options.onData?.('stdout', text);
      });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        rawStderr += chunk;
        options.onData?.('raw-in', chunk);
        const split = splitStderr(rawStderr);
        if (split.pgid !== null) {
          pgid = split.pgid;
          const fresh = split.commandStderr.slice(streamedStderr);
          streamedStderr = split.commandStderr.length;
          if (fresh) options.onData?.('stderr', fresh);
        }
      });
      child.on('error', (err) => (spawnError = `cannot start ${program}: ${err.message}`));

      const stop = () => (stopping ??= this.stopRemote(node, child, () => pgid));
      const timer = setTimeout(() => {
        timedOut = true;
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
        options.signal?.removeEventListener('abort', onAbort);
        const split = splitStderr(rawStderr);
        const started_ = split.pgid !== null;
        // a marker cut in half by the end of the stream is ssh noise, not command output
        const sshText = started_ ? split.commandStderr : rawStderr.replace(MARKER_PREFIX, '');
        const failure = timedOut || interrupted ? null : classifySshFailure(code, sshText, started_);
        let error: string | null = spawnError ?? failure?.message ?? null;
        if (interrupted) error = 'interrupted';
        let stderr = split.commandStderr;
        if (failure?.kind === 'connection_lost' && started_)
          stderr = stderr.replace(
            /^(Timeout, server .*|client_loop: .*|Connection to .* closed by remote host\.?)\r?\n?/m,
            '',
          );
        resolve({
          node: node.name,
          exitCode: timedOut || interrupted || (failure && !started_) || spawnError ? null : code,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr,
          timedOut,
          error,
          durationMs: Date.now() - started,
        });
      });
    });
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
        const [program, ...args] = buildSshArgv(node.target, buildRemoteKillCommand(pgid), {
          ...this.options,
          connectTimeoutSec: Math.min(this.options.connectTimeoutSec ?? 5, 5),
        });
        const killer = spawn(this.options.sshProgram ?? program!, args, {
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
  }
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

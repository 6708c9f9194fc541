import { createRequire } from 'node:module';
import type * as Pty from 'node-pty';

// node-pty (a native module, ~11 ms of CPU to load) is loaded when the first pty is spawned, not
// when this file is: every run loads the compute sources' code, and few runs open a pty.
let ptyModule: typeof Pty | null = null;
function nodePty(): typeof Pty {
  return (ptyModule ??= createRequire(import.meta.url)('node-pty') as typeof Pty);
}

// One program running in a pseudo-terminal, with everything it printed kept as binary (latin1)
// text and waits that end at a deadline, never a blocking line read. Knows nothing of shells.

export type RawListener = (direction: 'raw-in' | 'raw-out', chunk: string) => void;

export type WaitOutcome<T> =
  { kind: 'found'; value: T } | { kind: 'timeout' } | { kind: 'exited' } | { kind: 'aborted' };

export interface PtyExit {
  exitCode: number;
  signal: number | undefined;
}

export interface PtySpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A wide terminal: nothing the shell echoes or prints wraps, and programs that size their
   * output to the terminal (ps, top -b) do not truncate. */
  cols?: number;
  rows?: number;
}

export class PtySession {
  /** Everything received and not yet consumed, one char per byte. */
  text = '';
  exit: PtyExit | null = null;
  /** Receives raw bytes both ways (for --debug): raw-in = from the node, raw-out = sent to it. */
  listener: RawListener | null = null;
  /** While set, received text goes here instead of into `text` (a command's output is parsed as
   * it arrives, never accumulated and searched again). */
  sink: ((chunk: string) => void) | null = null;
  private readonly proc: Pty.IPty;
  private readonly wakers = new Set<() => void>();

  constructor(argv: readonly string[], options: PtySpawnOptions = {}) {
    const [file, ...args] = argv;
    this.proc = nodePty().spawn(file!, args, {
      // TERM=dumb: readline, zsh and most programs then send few or no escape sequences.
      name: 'dumb',
      cols: options.cols ?? 512,
      rows: options.rows ?? 50,
      cwd: options.cwd ?? process.cwd(),
      env: { ...(options.env ?? process.env), TERM: 'dumb' } as Record<string, string>,
      // Bytes, not strings: a UTF-8 character split across two reads must not turn into U+FFFD.
      encoding: null,
    });
    this.proc.onData((data: string | Buffer) => {
      const chunk = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
      if (this.sink) this.sink(chunk);
      else this.text += chunk;
      this.listener?.('raw-in', chunk);
      this.wake();
    });
    this.proc.onExit(({ exitCode, signal }) => {
      this.exit = { exitCode, signal };
      this.wake();
    });
  }

  get pid(): number {
    return this.proc.pid;
  }

  get isAlive(): boolean {
    return this.exit === null;
  }

  // Sends text (ASCII here) to the program as if typed.
  write(data: string): void {
    if (!this.isAlive) return;
    this.listener?.('raw-out', data);
    this.proc.write(data);
  }

  // Drops everything received up to `index` (prompts, markers already handled).
  consume(index: number): void {
    this.text = this.text.slice(index);
  }

  // Waits until `probe(text)` returns a value, the deadline passes, the program exits or the
  // signal aborts. The probe runs on every arrival of data, so it must be cheap or incremental.
  waitFor<T>(
    probe: (text: string) => T | null,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<WaitOutcome<T>> {
    if (signal?.aborted) return Promise.resolve({ kind: 'aborted' });
    return new Promise((resolve) => {
      let done = false;
      const finish = (outcome: WaitOutcome<T>) => {
        done = true;
        this.wakers.delete(check);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const check = () => {
        const value = probe(this.text);
        if (value !== null) return finish({ kind: 'found', value });
        if (!this.isAlive) return finish({ kind: 'exited' });
        if (Date.now() >= deadline) return finish({ kind: 'timeout' });
      };
      const onAbort = () => finish({ kind: 'aborted' });
      // Timers may fire a millisecond early by Date.now(): the timer ends the wait whatever the clock says.
      const timer = setTimeout(
        () => {
          check();
          if (!done) finish({ kind: 'timeout' });
        },
        Math.max(0, deadline - Date.now()),
      );
      signal?.addEventListener('abort', onAbort);
      this.wakers.add(check);
      check();
    });
  }

  // Kills the program (SIGHUP, as a closing terminal would, then SIGKILL if it lingers).
  kill(): void {
    if (!this.isAlive) return;
    try {
      this.proc.kill('SIGHUP');
    } catch {
      /* already gone */
    }
    const pid = this.proc.pid;
    setTimeout(() => {
      if (this.isAlive) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }, 2000).unref();
  }

  // Resolves when the program has exited, or after `ms`.
  async waitExit(ms: number): Promise<boolean> {
    const outcome = await this.waitFor(() => null, Date.now() + ms);
    return outcome.kind === 'exited';
  }

  private wake(): void {
    for (const waker of [...this.wakers]) waker();
  }
}

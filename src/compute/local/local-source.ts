import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { hostname } from 'node:os';
import type { ComputeSource, SourceEvent, SubmitRequest } from '../../engine/ports.js';
import { findRunnerScript } from './runner-path.js';
import { formatRunLine, parseRunnerLine } from './runner-protocol.js';

// The local source: this machine. One long-lived runner per slot (runner/hsm-runner.sh under bash)
// forks a subshell per task, so starting a task costs one fork+exec, close to xargs, instead of a Node
// spawn per task. Each runner is handed up to QUEUE_DEPTH tasks, so it starts the next one the moment
// the previous ends while hsm does its bookkeeping in parallel, and hsm gathers the events of
// COALESCE_MS into one round (one store transaction for many tasks instead of three per task:
// ~20% more throughput on 1,000 short tasks, docs/benchmarks.md). Runners are detached (own session):
// Ctrl-C in the terminal reaches hsm only, which then terminates tasks itself; and a kill -9 of hsm
// leaves them running to record how their tasks ended.

const QUEUE_DEPTH = 16;
const COALESCE_MS = 10;

interface Runner {
  child: ChildProcess;
  /** Tasks handed to this runner, oldest (running or about to) first. */
  queue: InFlight[];
  closed: boolean;
}

interface InFlight {
  /** The task directory as sent to the runner (relative to its working directory). */
  key: string;
  task: string;
  attempt: number;
  taskDir: string;
  runner: Runner;
  pid: number | null;
  killAfterStart: NodeJS.Signals | null;
}

export interface LocalSourceOptions {
  name?: string;
  slots: number;
  /** Debug lines from the runners (their stderr). */
  onLog?: (line: string) => void;
}

export class LocalSource implements ComputeSource {
  readonly name: string;
  readonly type = 'local' as const;
  readonly slots: number;
  private readonly runners: Runner[] = [];
  private readonly byDir = new Map<string, InFlight>();
  private events: SourceEvent[] = [];
  private wake: (() => void) | null = null;
  private readonly runnerScript = findRunnerScript();
  private readonly host = hostname();
  private readonly onLog: (line: string) => void;
  /** Runners start in the directory holding the task directories and are sent names relative to it:
   * bash reads a pipe one byte at a time, so a short line is a cheap line. */
  private baseDir: string | null = null;

  constructor(options: LocalSourceOptions) {
    this.name = options.name ?? 'local';
    this.slots = Math.max(1, options.slots);
    this.onLog = options.onLog ?? (() => {});
  }

  /** Pids of the runners, recorded so a later `hsm complete` can wait for them after a crash. */
  runnerPids(): number[] {
    return this.runners.filter((r) => !r.closed && r.child.pid).map((r) => r.child.pid!);
  }

  inFlight(): number {
    return this.byDir.size;
  }

  capacity(): number {
    return Math.max(0, this.slots * QUEUE_DEPTH - this.byDir.size);
  }

  async submit(requests: readonly SubmitRequest[]): Promise<void> {
    for (const req of requests) {
      const runner = this.pickRunner(req.taskDir);
      if (!runner)
        throw new Error(`local source: no capacity for ${req.task} (${this.inFlight()} in flight)`);
      const sent =
        this.baseDir && req.taskDir.startsWith(this.baseDir + '/')
          ? req.taskDir.slice(this.baseDir.length + 1)
          : req.taskDir;
      const entry: InFlight = { ...req, key: sent, runner, pid: null, killAfterStart: null };
      runner.queue.push(entry);
      this.byDir.set(sent, entry);
      runner.child.stdin!.write(formatRunLine(req.attempt, sent));
    }
  }

  poll(waitMs: number): Promise<SourceEvent[]> {
    if (this.events.length > 0 || waitMs <= 0) return Promise.resolve(this.drain());
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve(this.drain());
      }, waitMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        setTimeout(() => resolve(this.drain()), COALESCE_MS);
      };
    });
  }

  async terminate(attempts: readonly { task: string; attempt: number }[], graceMs: number): Promise<void> {
    const targets = [...this.byDir.values()].filter((f) =>
      attempts.some((a) => a.task === f.task && a.attempt === f.attempt),
    );
    // withdraw the ones not started first, so a runner freed by the kills below cannot start them
    for (const t of targets) if (t.pid === null) this.signal(t, 'SIGTERM');
    for (const t of targets) if (t.pid !== null) this.signal(t, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && targets.some((t) => this.byDir.get(t.key) === t)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const t of targets) if (this.byDir.get(t.key) === t) this.signal(t, 'SIGKILL');
  }

  async close(): Promise<void> {
    for (const r of this.runners) {
      r.closed = true;
      r.child.stdin!.end();
    }
  }

  private signal(entry: InFlight, sig: NodeJS.Signals): void {
    if (entry.pid === null) {
      // not started yet: withdraw it (the runner skips it), and stop it should it start meanwhile
      entry.killAfterStart = sig;
      try {
        writeFileSync(`${entry.taskDir}/withdrawn.${entry.attempt}`, '');
      } catch {
        /* the task directory is gone: nothing to start */
      }
      return;
    }
    try {
      process.kill(-entry.pid, sig); // the task's whole process group (the runner uses set -m)
    } catch {
      /* already gone */
    }
  }

  // The open runner with the shortest queue; a new runner while fewer than `slots` exist.
  private pickRunner(taskDir: string): Runner | null {
    this.baseDir ??= dirname(taskDir);
    const open = this.runners.filter((r) => !r.closed);
    const idle = open.find((r) => r.queue.length === 0);
    if (idle) return idle;
    if (open.length < this.slots) return this.startRunner();
    const best = open.reduce<Runner | null>(
      (b, r) => (b === null || r.queue.length < b.queue.length ? r : b),
      null,
    );
    return best && best.queue.length < QUEUE_DEPTH ? best : null;
  }

  private startRunner(): Runner {
    const child = spawn('bash', [this.runnerScript, 'serve'], {
      cwd: this.baseDir ?? undefined,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const runner: Runner = { child, queue: [], closed: false };
    this.runners.push(runner);
    child.stdin!.on('error', () => {}); // EPIPE if the runner died: reported by 'exit' below
    createInterface({ input: child.stdout! }).on('line', (line) => this.onRunnerLine(runner, line));
    createInterface({ input: child.stderr! }).on('line', (line) =>
      this.onLog(`runner ${child.pid}: ${line}`),
    );
    // The tasks handed to a runner that dies (or never starts: bash missing) end with no exit record:
    // the engine reads their records and records them lost if there are none.
    const loseQueue = (detail: string) => {
      runner.closed = true;
      for (const lost of runner.queue.splice(0)) {
        this.byDir.delete(lost.key);
        this.push({
          kind: 'finished',
          task: lost.task,
          attempt: lost.attempt,
          exitStatus: null,
          detail,
          at: Date.now(),
        });
      }
    };
    child.on('error', (err) => {
      this.onLog(`cannot start the task runner (bash ${this.runnerScript}): ${err.message}`);
      loseQueue(`the task runner could not start: ${err.message}`);
    });
    child.on('exit', (code, signal) =>
      loseQueue(`the task runner exited (${signal ?? code}) before the task ended`),
    );
    return runner;
  }

  private onRunnerLine(runner: Runner, line: string): void {
    const msg = parseRunnerLine(line);
    if (!msg) {
      this.onLog(`runner ${runner.child.pid}: unexpected output: ${line}`);
      return;
    }
    const entry = this.byDir.get(msg.taskDir);
    if (!entry || entry.attempt !== msg.attempt) return;
    if (msg.kind === 'S') {
      entry.pid = msg.pid;
      this.push({
        kind: 'started',
        task: entry.task,
        attempt: entry.attempt,
        pid: msg.pid,
        host: this.host,
        at: Date.now(),
      });
      if (entry.killAfterStart) this.signal(entry, entry.killAfterStart);
      return;
    }
    this.byDir.delete(msg.taskDir);
    runner.queue = runner.queue.filter((e) => e !== entry);
    if (msg.kind === 'X') {
      this.push({
        kind: 'finished',
        task: entry.task,
        attempt: entry.attempt,
        exitStatus: null,
        neverStarted: true,
        at: Date.now(),
      });
    } else {
      this.push({
        kind: 'finished',
        task: entry.task,
        attempt: entry.attempt,
        exitStatus: msg.status,
        at: Date.now(),
      });
    }
  }

  private push(event: SourceEvent): void {
    this.events.push(event);
    this.wake?.();
  }

  private drain(): SourceEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }
}

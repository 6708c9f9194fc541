import { realpathSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { AdoptRequest, ComputeSource, SourceEvent, SubmitRequest } from '../../engine/ports.js';
import { taskScriptRenderer, type TaskEnvironment } from '../command-script.js';
import { readExitRecord } from '../../process/task-records.js';
import { withdrawLocally } from '../runner-control.js';
import { sourceLogOf, type SweepContext } from '../source-context.js';
import type { SourceLog } from '../../engine/log-port.js';
import { findRunnerScript } from './runner-path.js';
import { formatRunLine, parseRunnerLine } from './runner-protocol.js';
import { LocalAdoption } from './local-adoption.js';
import { SourceEventQueue } from '../source-event-queue.js';
import { storageFailureOf } from '../../engine/storage-failure.js';
import { killOrphanedTasks, runnerMarker, signalTaskTree, TaskCgroups } from './task-tree.js';
import { spawnRunner, type InFlight, type Runner } from './runner-process.js';

// The local source: this machine. One long-lived runner per slot (runner-process.ts) forks a
// subshell per task, so starting a task costs one fork+exec, close to xargs, instead of a Node
// spawn per task. Each runner is handed up to QUEUE_DEPTH tasks, so it starts the next one the moment
// the previous ends while hsm does its bookkeeping in parallel, and hsm gathers the events of
// 10 ms into one round (source-event-queue.ts) (one store transaction for many tasks instead of three per task:
// ~20% more throughput on 1,000 short tasks; rounds of 20 ms with 32 tasks a runner measured no
// different: docs/benchmarks.md). Ctrl-C reaches hsm only (runners have their own session), which
// then terminates tasks itself.

const QUEUE_DEPTH = 16;
/** How often attempts adopted from a dead hsm process are checked (their records, their pids). */
const ADOPTED_CHECK_MS = 200;
const RUNNER_PIDS_KEY = 'runner_pids';

export interface LocalSourceOptions {
  name?: string;
  slots: number;
  context: SweepContext;
  /** The source's own environment fields (hsm_config.yaml), over the project's. */
  environment?: TaskEnvironment;
  /** Track each task's processes in its runner's cgroup where the machine allows it (default true). */
  cgroups?: boolean;
}

export class LocalSource implements ComputeSource {
  readonly name: string;
  readonly type = 'local' as const;
  readonly slots: number;
  private readonly runners: Runner[] = [];
  private readonly byDir = new Map<string, InFlight>();
  private readonly events = new SourceEventQueue();
  private readonly runnerScript = findRunnerScript();
  private readonly host = hostname();
  private readonly log: SourceLog;
  /** Runners start in the directory holding the task directories and are sent names relative to it:
   * bash reads a pipe one byte at a time, so a short line is a cheap line. */
  private readonly baseDir: string;
  private readonly context: SweepContext;
  /** Renders a task's command.sh (what all tasks share quoted once). */
  private readonly renderScript: ReturnType<typeof taskScriptRenderer>;
  private readonly adoption = new LocalAdoption();
  private recordedPids = '';
  /** The runner pids' last write failed (disk full): tried again each round. */
  private pidsUnrecorded = false;
  private readonly cgroups: TaskCgroups | null;
  /** The sweep directory resolved: in every runner's environment, what finds what runners forked. */
  private readonly sweepDir: string;

  constructor(options: LocalSourceOptions) {
    this.name = options.name ?? 'local';
    this.slots = Math.max(1, options.slots);
    this.context = options.context;
    this.log = sourceLogOf(options.context, this.name);
    this.baseDir = options.context.tasksDir;
    this.renderScript = taskScriptRenderer(
      {
        sweepId: options.context.sweepId,
        sweepDir: options.context.sweepDir,
        projectRoot: options.context.projectRoot,
      },
      { ...options.context.environment, ...options.environment },
    );
    this.cgroups = options.cgroups === false ? null : TaskCgroups.create();
    this.sweepDir = resolvedPath(options.context.sweepDir);
  }

  inFlight(): number {
    return this.byDir.size + this.adoption.size;
  }

  adopt(attempts: readonly AdoptRequest[]): void {
    let recorded: number[] = [];
    try {
      recorded = JSON.parse(this.context.state(this.name).get(RUNNER_PIDS_KEY) ?? '[]') as number[];
    } catch {
      /* unreadable: no runner to wait for */
    }
    this.adoption.adopt(attempts, recorded, runnerMarker(this.sweepDir));
    this.recordRunnerPids();
  }

  capacity(): number {
    return Math.max(0, this.slots * QUEUE_DEPTH - this.byDir.size);
  }

  // A runner takes 1-20 ms to start (sh, then its move into a cgroup waits for the kernel): started
  // now, it gets ready while hsm prepares the first tasks' directories and commits them.
  // Their pids go into the store in one commit for all of them (one a runner is a commit each).
  warmUp(waiting: number): void {
    const before = this.runners.length;
    while (this.runners.filter((r) => !r.closed).length < Math.min(this.slots, waiting))
      this.startRunner(false);
    if (this.runners.length > before) this.recordRunnerPids();
  }

  async submit(requests: readonly SubmitRequest[]): Promise<void> {
    const t0 = performance.now();
    for (const req of requests)
      writeFileSync(`${req.localDir}/command.sh`, this.renderScript(req, req.localDir));
    // one write a runner for the whole batch: a pipe write is a syscall and a wake-up of the runner
    const lines = new Map<Runner, string>();
    try {
      this.handToRunners(requests, lines);
    } finally {
      // the tasks queued before a failure (no capacity) are in their runners' queues: sent
      for (const [runner, text] of lines) runner.child.stdin!.write(text);
    }
    // one line a batch: command.sh written and RUN sent for each task (their states are the engine's)
    this.log.command('run', performance.now() - t0, { tasks: requests.length });
  }

  // Each task to the runner with the shortest queue, its RUN line added to that runner's text.
  private handToRunners(requests: readonly SubmitRequest[], lines: Map<Runner, string>): void {
    for (const req of requests) {
      const runner = this.pickRunner();
      if (!runner)
        throw new Error(`local source: no capacity for ${req.task} (${this.inFlight()} in flight)`);
      const sent = req.localDir.startsWith(this.baseDir + '/')
        ? req.localDir.slice(this.baseDir.length + 1)
        : req.localDir;
      const entry: InFlight = {
        task: req.task,
        attempt: req.attempt,
        taskDir: req.localDir,
        key: sent,
        runner,
        pid: null,
        killAfterStart: null,
      };
      runner.queue.push(entry);
      this.byDir.set(sent, entry);
      lines.set(runner, (lines.get(runner) ?? '') + formatRunLine(req.attempt, sent));
    }
  }

  poll(waitMs: number): Promise<SourceEvent[]> {
    return this.adoption.size > 0 ? this.pollWithAdopted(waitMs) : this.pollOwn(waitMs);
  }

  private pollOwn(waitMs: number): Promise<SourceEvent[]> {
    this.cgroups?.sweep();
    if (this.pidsUnrecorded) this.recordRunnerPids();
    return this.events.poll(waitMs);
  }

  async terminate(
    attempts: readonly { task: string; attempt: number }[],
    graceMs: number,
    why: 'timeout' | 'cancel' | 'withdraw' = 'cancel',
  ): Promise<void> {
    const t0 = performance.now();
    if (why === 'withdraw') {
      for (const f of this.byDir.values())
        if (f.pid === null && attempts.some((a) => a.task === f.task && a.attempt === f.attempt))
          withdrawLocally(f.taskDir, f.attempt);
      this.log.command('withdraw', performance.now() - t0, { tasks: attempts.length });
      return;
    }
    // a cancel stops the runners of a dead hsm process first, so that none starts anything more
    if (why === 'cancel' && this.adoption.size > 0) await this.adoption.stopRunners(attempts);
    const targets = [...this.byDir.values()].filter((f) =>
      attempts.some((a) => a.task === f.task && a.attempt === f.attempt),
    );
    // withdraw the ones not started first, so a runner freed by the kills below cannot start them
    for (const t of targets) if (t.pid === null) this.signal(t, 'SIGTERM');
    for (const t of targets) if (t.pid !== null) this.signal(t, 'SIGTERM');
    let adoptedAlive = await this.adoption.signal(attempts, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && (targets.some((t) => this.byDir.get(t.key) === t) || adoptedAlive > 0)) {
      await new Promise((r) => setTimeout(r, 20));
      if (adoptedAlive > 0) adoptedAlive = this.adoption.alive(attempts);
    }
    const killed = targets.filter((t) => this.byDir.get(t.key) === t);
    for (const t of killed) this.signal(t, 'SIGKILL');
    await this.adoption.signal(attempts, 'SIGKILL');
    this.log.command(`terminate (${why})`, performance.now() - t0, {
      tasks: attempts.length,
      killed: killed.length,
      grace_ms: graceMs,
    });
  }

  async close(): Promise<void> {
    for (const r of this.runners) {
      r.closed = true;
      r.child.stdin!.end();
    }
    // idle runners exit at once on end of input; their cgroups can go once they have
    await Promise.race([
      Promise.all(this.runners.map((r) => r.exited)),
      new Promise((r) => setTimeout(r, 2000).unref()),
    ]);
    this.cgroups?.sweep(true);
  }

  private async pollWithAdopted(waitMs: number): Promise<SourceEvent[]> {
    const own =
      this.byDir.size > 0 || this.events.length > 0
        ? await this.pollOwn(Math.min(waitMs, ADOPTED_CHECK_MS))
        : await new Promise<SourceEvent[]>((r) =>
            setTimeout(() => r([]), Math.min(Math.max(waitMs, 5), ADOPTED_CHECK_MS)),
          );
    const adopted = this.adoption.check(Date.now());
    this.recordRunnerPids();
    return [...own, ...adopted];
  }

  private signal(entry: InFlight, sig: NodeJS.Signals): void {
    if (entry.pid === null) {
      // not started yet: withdraw it (the runner skips it), and stop it should it start meanwhile
      entry.killAfterStart = sig;
      withdrawLocally(entry.taskDir, entry.attempt);
      return;
    }
    // its process group (the runner uses set -m) and what else is in the runner's cgroup
    const runner = entry.runner.child.pid;
    signalTaskTree(
      entry.pid,
      entry.runner.cgroup,
      sig,
      runner ? [runner] : [],
      () => readExitRecord(`${entry.taskDir}/exit`, entry.attempt) !== null,
    );
  }

  // Records the runners' pids (when they change) so that a later `hsm complete` can wait for them
  // after a crash; runners of an earlier crashed process still finishing stay on the list.
  private recordRunnerPids(): void {
    const pids = [
      ...this.adoption.liveRunners(),
      ...this.runners.filter((r) => !r.closed && r.child.pid).map((r) => r.child.pid!),
    ];
    const text = JSON.stringify(pids);
    if (text === this.recordedPids) return;
    try {
      this.context.state(this.name).set(RUNNER_PIDS_KEY, text);
    } catch (err) {
      // a full or failing disk: the engine's own writes fail too and it reports it; written at the
      // next change or round instead
      if (!storageFailureOf(err)) throw err;
      this.pidsUnrecorded = true;
      return;
    }
    this.recordedPids = text;
    this.pidsUnrecorded = false;
  }

  // The open runner with the shortest queue; a new runner while fewer than `slots` exist.
  private pickRunner(): Runner | null {
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

  // `record`: its pid is recorded in the store now (before any task is handed to it), else by the caller.
  private startRunner(record = true): Runner {
    const runner = spawnRunner({
      script: this.runnerScript,
      sweepDir: this.sweepDir,
      cwd: this.baseDir,
      cgroup: this.cgroups?.prepare() ?? null,
      log: this.log,
      onLine: (r, line) => this.onRunnerLine(r, line),
      onLost: (r, lost, detail) => {
        if (lost.length === 0) return;
        // reported once what the runner left is dead: a task it forked must not run on beside the
        // next attempt (the entries stay in flight until then)
        const report = () => {
          for (const entry of lost) {
            this.byDir.delete(entry.key);
            this.push({
              kind: 'finished',
              task: entry.task,
              attempt: entry.attempt,
              exitStatus: null,
              detail,
              at: Date.now(),
            });
          }
        };
        killOrphanedTasks(
          r.cgroup,
          lost.flatMap((e) => e.pid ?? []),
          runnerMarker(this.sweepDir),
        ).then(report, report);
      },
      onExit: (r) => {
        if (r.cgroup) this.cgroups?.release(r.cgroup);
      },
    });
    this.runners.push(runner);
    if (record) this.recordRunnerPids();
    return runner;
  }

  private onRunnerLine(runner: Runner, line: string): void {
    const msg = parseRunnerLine(line);
    if (!msg) {
      this.log.event('warn', 'runner:unexpected', { pid: runner.child.pid, line });
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
        handle: String(msg.pid),
        host: this.host,
        at: Date.now(),
      });
      if (entry.killAfterStart) this.signal(entry, entry.killAfterStart);
      return;
    }
    this.byDir.delete(msg.taskDir);
    runner.queue = runner.queue.filter((e) => e !== entry);
    if (msg.kind === 'E') {
      this.push({
        kind: 'finished',
        task: entry.task,
        attempt: entry.attempt,
        exitStatus: msg.status,
        at: Date.now(),
      });
      return;
    }
    // withdrawn (X), or not started because its records could not be written (W: disk full)
    this.push({
      kind: 'finished',
      task: entry.task,
      attempt: entry.attempt,
      exitStatus: null,
      neverStarted: true,
      ...(msg.kind === 'W'
        ? {
            detail: `not started: its records could not be written in ${entry.taskDir} (disk full?)`,
            storageFailure: entry.taskDir,
          }
        : {}),
      at: Date.now(),
    });
  }

  private push(event: SourceEvent): void {
    this.events.push(event, this.byDir.size === 0 && this.adoption.size === 0);
  }
}

function resolvedPath(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

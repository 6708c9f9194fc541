import type { TaskStatus } from '../domain/task.js';
import type { ComputeSource, EngineStore, SourceEvent, TaskChange, TaskWorkspace } from './ports.js';
import { storageFailureOf, type StorageFailure } from './storage-failure.js';
import { SILENT_LOG, type LogLevel, type SweepLogger } from './log-port.js';
import type { AdoptedAttempt, EngineOptions, EngineResult, Running } from './engine-options.js';
import { TaskQueue } from './task-queue.js';
import { freeFor, type RunState } from './run-state.js';
import { submitRound } from './handover.js';
import { AttemptEndings } from './attempt-endings.js';

// The run loop: plan -> submit -> poll -> finish, over any compute sources. Every change is committed
// to the store before it is acted on (a task is `queued` in the store before a source sees it), so a
// kill -9 at any moment loses nothing and runs nothing twice. Handing attempts over is handover.ts,
// turning what sources report into changes attempt-endings.ts; cancels, timeouts and a full disk are
// here.

export type { AdoptedAttempt, EngineOptions, EngineResult } from './engine-options.js';

/** How often a run looks for single tasks cancelled by another process (a read of the store). */
const CANCEL_REQUEST_LOOK_MS = 250;

export class SweepEngine {
  private readonly state: RunState;
  private readonly running = new Map<string, Running>();
  private readonly queue: TaskQueue;
  private readonly endings: AttemptEndings;
  private readonly submitFailures: SourceEvent[] = [];
  private cancelLevel = 0;
  /** Why the run let go of the attempts on sources that outlive it, and how many it left. */
  private leaving: { why: 'interrupt' | 'detach'; left: number } | null = null;
  private lastRequestLook = 0;
  /** Set when a write failed for want of space (or a read-only disk): no more attempts are handed over. */
  private storageFailure: StorageFailure | null = null;
  /** Store changes a failed commit rolled back: committed with the next round's. */
  private unapplied: TaskChange[] = [];
  private readonly now: () => number;
  private readonly log: SweepLogger;
  private mappingDirty = false;
  private lastMappingWrite = 0;
  private mappingCostMs = 0;

  constructor(
    private readonly store: EngineStore,
    private readonly workspace: TaskWorkspace,
    private readonly options: EngineOptions,
  ) {
    this.now = options.now ?? Date.now;
    // the mapping was written when the sweep was created (or by the run before): rewritten after
    // the interval, not right after the first round, when the runners wait for their next tasks
    this.lastMappingWrite = this.now();
    this.log = options.log ?? SILENT_LOG;
    this.queue = new TaskQueue(options.tasks, (name) => store.task(name));
    const adoptedNames = new Set<string>();
    for (const a of options.adopted ?? []) {
      adoptedNames.add(a.row.name);
      const row = { ...a.row };
      this.running.set(row.name, { row, attempt: a.attempt, source: a.source, startedAt: a.startedAt });
    }
    this.state = {
      store,
      workspace,
      options,
      log: this.log,
      now: this.now,
      running: this.running,
      queue: this.queue,
      adoptedNames,
      submitFailures: this.submitFailures,
      dispatching: () => this.dispatching(),
      guardWrite: (write) => this.guardWrite(write),
      halt: (failure) => this.halt(failure),
      note: (level, kind, fields, data) => this.note(level, kind, fields, data),
    };
    this.endings = new AttemptEndings(this.state);
  }

  /** First call: graceful (stop submitting, TERM running tasks, KILL after the grace). Second: KILL now. */
  cancel(): void {
    this.cancelLevel++;
    const graceMs = this.cancelLevel === 1 ? this.options.killGraceMs : 0;
    for (const source of this.allSources()) {
      const mine = [...this.running.values()].filter((r) => r.source === source);
      for (const r of mine) r.cancelled = true;
      void source.terminate(
        mine.map((r) => ({ task: r.row.name, attempt: r.attempt })),
        graceMs,
        'cancel',
      );
    }
  }

  /** Attempts in flight on sources that outlive this process: what `leave` would leave. */
  leavable(): number {
    let n = 0;
    for (const r of this.running.values()) if (r.source.outlivesRun) n++;
    return n;
  }

  /** Stops handing over attempts and lets go of those on sources that outlive this process (a batch
   * scheduler's jobs): they stay queued or running in the store, for a later run to adopt (`hsm
   * complete`) or `hsm cancel` to stop. Attempts on other sources are cancelled as by `cancel`. */
  leave(why: 'interrupt' | 'detach' = 'interrupt'): void {
    if (this.leaving !== null || this.cancelLevel > 0) return;
    const others = new Map<ComputeSource, Running[]>();
    let left = 0;
    for (const [name, r] of this.running) {
      if (r.source.outlivesRun) {
        this.running.delete(name);
        this.state.adoptedNames.delete(name);
        left++;
      } else others.set(r.source, [...(others.get(r.source) ?? []), r]);
    }
    this.leaving = { why, left };
    this.guardWrite(() => this.note('info', 'run:left', { why, attempts: left }));
    for (const [source, mine] of others) {
      for (const r of mine) r.cancelled = true;
      void source.terminate(
        mine.map((r) => ({ task: r.row.name, attempt: r.attempt })),
        this.options.killGraceMs,
        'cancel',
      );
    }
  }

  async run(): Promise<EngineResult> {
    this.guardWrite(() =>
      this.note('info', 'run:started', { tasks: this.queue.length, adopted: this.running.size }),
    );
    this.adoptAll();
    if (this.dispatching() && this.queue.length > 0)
      for (const source of this.options.sources) source.warmUp?.(this.queue.length);
    while (
      this.running.size > 0 ||
      (this.dispatching() && (this.queue.length > 0 || this.queue.waitingRetries > 0))
    ) {
      // One transaction a round: the outcomes just learned and the tasks about to be handed over
      // (committed before any source sees them).
      const events = await this.pollRound();
      const finished = this.endings.take(events);
      this.takeCancelRequests();
      const round = await submitRound(this.state, [...this.unapplied.splice(0), ...finished]);
      this.unapplied = round.unapplied;
      if (round.committed) this.mappingDirty = true;
      this.enforceTimeouts();
      if (this.options.leaveWhenHandedOver && this.allHandedOver()) this.leave('detach');
      this.maybeWriteMapping(false);
      const stuck = this.stuck();
      if (stuck) {
        this.maybeWriteMapping(true);
        const counts = this.store.counts();
        this.guardWrite(() => this.note('error', 'run:no_source', { reasons: stuck, counts }));
        return {
          interrupted: false,
          left: 0,
          counts,
          unavailable: stuck,
          storageFailure: this.storageFailure,
        };
      }
    }
    this.maybeWriteMapping(true);
    const counts: Partial<Record<TaskStatus, number>> = this.store.counts();
    const interrupted = this.cancelLevel > 0 || this.leaving?.why === 'interrupt';
    this.guardWrite(() =>
      this.note(
        'info',
        interrupted ? 'run:interrupted' : this.leaving ? 'run:detached' : 'run:finished',
        { counts },
        counts,
      ),
    );
    return { interrupted, left: this.leaving?.left ?? 0, counts, storageFailure: this.storageFailure };
  }

  // Nothing waits to be handed over (nor for a retry), and every attempt in flight is on a source
  // that outlives this process.
  private allHandedOver(): boolean {
    if (this.queue.length > 0 || this.queue.waitingRetries > 0 || this.submitFailures.length > 0)
      return false;
    for (const r of this.running.values()) if (!r.source.outlivesRun) return false;
    return true;
  }

  // Attempts of a dead hsm process, handed to their sources to be awaited (not started again).
  private adoptAll(): void {
    const bySource = new Map<ComputeSource, AdoptedAttempt[]>();
    for (const a of this.options.adopted ?? [])
      bySource.set(a.source, [...(bySource.get(a.source) ?? []), a]);
    for (const [source, list] of bySource) {
      source.adopt(
        list.map((a) => ({
          task: a.row.name,
          attempt: a.attempt,
          localDir: a.localDir,
          handle: a.handle,
          host: a.row.host,
        })),
      );
    }
  }

  private note(level: LogLevel, kind: string, fields: Record<string, unknown>, data: unknown = fields): void {
    this.store.recordEvent(kind, data);
    this.log.event(level, kind, fields);
  }

  private dispatching(): boolean {
    return this.cancelLevel === 0 && this.leaving === null && this.storageFailure === null;
  }

  // Anything but a storage failure is a bug and propagates.
  private guardWrite(write: () => void): boolean {
    try {
      write();
      return true;
    } catch (err) {
      const failure = storageFailureOf(err);
      if (!failure) throw err;
      this.halt(failure);
      return false;
    }
  }

  // The attempts a source holds but has not started are withdrawn (they go back to pending); started
  // ones run to their end, their records are on disk already.
  private halt(failure: StorageFailure): void {
    if (this.storageFailure !== null) return;
    this.storageFailure = failure;
    this.log.event('error', 'run:storage_failure', { ...failure });
    try {
      this.store.recordEvent('run:storage_failure', failure);
    } catch {
      /* the store is on the full disk too */
    }
    for (const source of this.allSources()) {
      const unstarted = [...this.running.values()].filter((r) => r.source === source && r.startedAt === null);
      if (unstarted.length > 0)
        void source.terminate(
          unstarted.map((r) => ({ task: r.row.name, attempt: r.attempt })),
          0,
          'withdraw',
        );
    }
  }

  // Tasks wait, nothing runs, and every source says it cannot take them: the reasons, else null.
  private stuck(): string[] | null {
    if (
      this.running.size > 0 ||
      this.queue.waitingRetries > 0 ||
      this.queue.length === 0 ||
      !this.dispatching()
    )
      return null;
    const reasons = this.options.sources.map((s) => s.unavailable?.() ?? null);
    return reasons.every((r) => r !== null) ? (reasons as string[]) : null;
  }

  // Tasks the user cancelled one by one while this run works (`hsm cancel SWEEP --tasks`, the
  // dashboard), looked for a few times a second. As with a cancel of the whole run, a started attempt
  // is terminated and recorded `cancelled`, and a task not started yet stays pending (withdrawn from
  // its source if handed over); this run does not start it again (`hsm complete` does).
  private takeCancelRequests(): void {
    const now = this.now();
    if (!this.store.takeCancelRequests || now - this.lastRequestLook < CANCEL_REQUEST_LOOK_MS) return;
    this.lastRequestLook = now;
    let names: string[] = [];
    if (!this.guardWrite(() => (names = this.store.takeCancelRequests!()))) return;
    const bySource = new Map<ComputeSource, { task: string; attempt: number }[]>();
    for (const name of names) {
      this.queue.withhold(name);
      const run = this.running.get(name);
      if (!run || run.cancelled) continue;
      run.cancelled = true;
      bySource.set(run.source, [...(bySource.get(run.source) ?? []), { task: name, attempt: run.attempt }]);
    }
    // one call per source, as for a cancel of the run: it withdraws the unstarted before it stops
    // the running, so a runner freed by a kill cannot start a withdrawn task
    for (const [source, attempts] of bySource)
      void source.terminate(attempts, this.options.killGraceMs, 'cancel');
  }

  private allSources(): ComputeSource[] {
    return [...new Set([...this.options.sources, ...[...this.running.values()].map((r) => r.source)])];
  }

  private async pollRound(): Promise<SourceEvent[]> {
    const failed = this.submitFailures.splice(0);
    const sources = this.allSources();
    const canSubmit =
      this.dispatching() &&
      this.queue.length > 0 &&
      this.options.sources.some((s) => freeFor(this.state, s) > 0);
    if (this.running.size === 0 && !canSubmit && this.queue.waitingRetries === 0) {
      // tasks wait for a source that is not ready yet (connecting to its host): look again soon,
      // without starving the event loop that brings the source its answers
      if (failed.length === 0 && this.dispatching() && this.queue.length > 0)
        await new Promise((r) => setTimeout(r, 50));
      return failed;
    }
    const waitMs = canSubmit || failed.length > 0 ? 0 : this.nextWakeMs();
    if (sources.length === 1) return [...failed, ...(await sources[0]!.poll(waitMs))];
    const batches = await Promise.all(sources.map((s) => s.poll(Math.min(waitMs, 100))));
    return [...failed, ...batches.flat()];
  }

  private nextWakeMs(): number {
    const now = this.now();
    let wait = this.queue.nextRetryIn(now, 1000);
    if (this.options.timeoutMs !== null) {
      for (const r of this.running.values()) {
        if (r.startedAt !== null)
          wait = Math.min(wait, Math.max(0, r.startedAt + this.options.timeoutMs - now));
      }
    }
    return Math.max(wait, 5);
  }

  private enforceTimeouts(): void {
    const limit = this.options.timeoutMs;
    if (limit === null) return;
    const now = this.now();
    for (const r of this.running.values()) {
      if (r.killing || r.startedAt === null || now - r.startedAt < limit) continue;
      r.killing = true;
      r.timedOutAfterMs = limit;
      this.guardWrite(() =>
        this.note('warn', 'task:timeout', { task: r.row.name, attempt: r.attempt, after_ms: limit }),
      );
      void r.source.terminate(
        [{ task: r.row.name, attempt: r.attempt }],
        this.options.killGraceMs,
        'timeout',
      );
    }
  }

  private maybeWriteMapping(force: boolean): void {
    // The interval grows with the cost of a write, so a 100,000-task sweep spends at most ~5% of its
    // time rewriting the human-readable mapping (the store is the truth; the mapping is a view).
    const interval = Math.max(this.options.mappingIntervalMs ?? 2000, this.mappingCostMs * 20);
    if (!this.mappingDirty || (!force && this.now() - this.lastMappingWrite < interval)) return;
    const t0 = Date.now();
    const written = this.guardWrite(() => this.workspace.writeMapping());
    this.mappingCostMs = Date.now() - t0;
    this.mappingDirty = !written;
    this.lastMappingWrite = this.now();
  }
}

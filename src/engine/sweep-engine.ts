import { statusForReason, type TaskStatus, type TerminationReason } from '../domain/task.js';
import type { Outcome } from '../domain/outcome.js';
import type {
  AttemptHandle,
  ComputeSource,
  EngineStore,
  SourceEvent,
  SubmitRequest,
  TaskChange,
  TaskRow,
  TaskWorkspace,
} from './ports.js';
import { classifyExit } from './classify-exit.js';
import { storageFailureOf, type StorageFailure } from './storage-failure.js';
import { retryAfter, retryDelayMs, type ReasonRetry } from './retry-policy.js';
import { diagnoseFailure, type Diagnosis } from '../diagnose/index.js';
import { SILENT_LOG, type LogLevel, type SweepLogger } from './log-port.js';
import { logChanges } from './change-log.js';

// The run loop: plan -> submit -> poll -> finish, over any compute sources. Every change is committed
// to the store before it is acted on (a task is `queued` in the store before a source sees it), so a
// kill -9 at any moment loses nothing and runs nothing twice.

/** Extra attempts (beyond `retries`) for an attempt lost with its host or runner: a task that
 * keeps taking its host down is not run forever. */
const LOST_RERUNS = 2;
/** How often a run looks for single tasks cancelled by another process (a read of the store). */
const CANCEL_REQUEST_LOOK_MS = 250;

export interface EngineOptions {
  /** Names of the tasks to run, in order (the plan). Rows are read from the store when submitted, so a
   * 100,000-task sweep does not hold 100,000 rows in memory. */
  tasks: readonly string[];
  /** Sources that take new tasks. */
  sources: readonly ComputeSource[];
  /** Attempts an hsm process that is gone left queued or running: handed to their source (which need
   * not be one of `sources`) with `adopt`, awaited, not started again. */
  adopted?: readonly AdoptedAttempt[];
  /** Extra attempts after a retryable failure. */
  retries: number;
  /** Retry policy per termination reason over DEFAULT_REASON_RETRY (hsm_config.yaml `retry:`). */
  reasonRetry?: Partial<Record<TerminationReason, ReasonRetry>>;
  retryDelayMs: number;
  /** Per-attempt timeout (ms), null for none. */
  timeoutMs: number | null;
  /** Time between TERM and KILL for timeouts and cancels. */
  killGraceMs: number;
  /** How often task_mapping.yaml is rewritten while running. */
  mappingIntervalMs?: number;
  /** `diagnosis`: the cause of an attempt that did not complete (on `finished` and `retrying`). */
  onTask?: (
    task: TaskRow,
    event: 'queued' | 'started' | 'finished' | 'retrying',
    diagnosis?: Diagnosis | null,
  ) => void;
  now?: () => number;
  /** The sweep log: every committed state change and run event (engine/log-port.ts). */
  log?: SweepLogger;
}

export interface AdoptedAttempt {
  row: TaskRow;
  attempt: number;
  source: ComputeSource;
  handle: AttemptHandle | null;
  startedAt: number | null;
  localDir: string;
}

export interface EngineResult {
  interrupted: boolean;
  /** Set when the run stopped with tasks left because no source could take them (why, per source). */
  unavailable?: string[];
  counts: Partial<Record<TaskStatus, number>>;
  /** The run stopped handing over attempts because it could not write (disk full): what and where. */
  storageFailure: StorageFailure | null;
}

interface Running {
  row: TaskRow;
  attempt: number;
  source: ComputeSource;
  startedAt: number | null;
  timedOutAfterMs?: number;
  cancelled?: boolean;
  killing?: boolean;
}

export class SweepEngine {
  /** Rows of tasks waiting for a retry (their attempt count and outcome are already in them). */
  private readonly retryRows = new Map<string, TaskRow>();
  /** Attempts adopted from a dead hsm process that have not ended yet. */
  private readonly adoptedNames = new Set<string>();
  /** The plan in order; `queueHead` is the next to submit (no O(n) shifting on large sweeps). */
  private queue: string[] = [];
  private queueHead = 0;
  private readonly retryAt = new Map<string, number>();
  /** Resource factors of a task's next attempts (retry policy: memory after an OOM, time after a timeout). */
  private readonly scales = new Map<string, { mem: number; time: number }>();
  /** How many of a task's attempts ended for each reason in this run. */
  private readonly reasonCounts = new Map<string, number>();
  private readonly running = new Map<string, Running>();
  /** Attempts a source refused to take (its submit rejected), reported with the next round's events. */
  private readonly submitFailures: SourceEvent[] = [];
  private cancelLevel = 0;
  /** Tasks cancelled one by one (takeCancelRequests): this run does not hand them over again. */
  private readonly withheld = new Set<string>();
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
    this.log = options.log ?? SILENT_LOG;
    this.queue = [...options.tasks];
    for (const a of options.adopted ?? []) {
      this.adoptedNames.add(a.row.name);
      const row = { ...a.row };
      this.running.set(row.name, { row, attempt: a.attempt, source: a.source, startedAt: a.startedAt });
    }
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

  async run(): Promise<EngineResult> {
    this.note('info', 'run:started', { tasks: this.queued(), adopted: this.running.size });
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
    while (this.running.size > 0 || (this.dispatching() && (this.queued() > 0 || this.retryAt.size > 0))) {
      // One transaction a round: the outcomes just learned and the tasks about to be handed over
      // (committed before any source sees them).
      const events = await this.pollRound();
      const finished = this.finishRound(events);
      this.takeCancelRequests();
      await this.submitRound([...this.unapplied.splice(0), ...finished]);
      this.enforceTimeouts();
      this.maybeWriteMapping(false);
      const stuck = this.stuck();
      if (stuck) {
        this.maybeWriteMapping(true);
        const counts = this.store.counts();
        this.guardWrite(() => this.note('error', 'run:no_source', { reasons: stuck, counts }));
        return { interrupted: false, counts, unavailable: stuck, storageFailure: this.storageFailure };
      }
    }
    this.maybeWriteMapping(true);
    const counts: Partial<Record<TaskStatus, number>> = this.store.counts();
    this.guardWrite(() =>
      this.note('info', this.cancelLevel > 0 ? 'run:interrupted' : 'run:finished', { counts }, counts),
    );
    return { interrupted: this.cancelLevel > 0, counts, storageFailure: this.storageFailure };
  }

  // A run event: in the store's events and the sweep log.
  private note(level: LogLevel, kind: string, fields: Record<string, unknown>, data: unknown = fields): void {
    this.store.recordEvent(kind, data);
    this.log.event(level, kind, fields);
  }

  /** Whether attempts are handed over: not after a cancel, nor after a write failed (disk full). */
  private dispatching(): boolean {
    return this.cancelLevel === 0 && this.storageFailure === null;
  }

  // Runs a write; a storage failure (disk full) stops the dispatch instead of the run. Anything else
  // is a bug and propagates.
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

  // Stops handing over attempts at once: the ones a source holds but has not started are withdrawn
  // (they go back to pending); started ones run to their end, their records are on disk already.
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
    if (this.running.size > 0 || this.retryAt.size > 0 || this.queued() === 0 || !this.dispatching())
      return null;
    const reasons = this.options.sources.map((s) => s.unavailable?.() ?? null);
    return reasons.every((r) => r !== null) ? (reasons as string[]) : null;
  }

  private reasonCount(task: string, reason: TerminationReason): number {
    const key = `${task}\0${reason}`;
    const n = (this.reasonCounts.get(key) ?? 0) + 1;
    this.reasonCounts.set(key, n);
    return n;
  }

  private queued(): number {
    return this.queue.length - this.queueHead;
  }

  private requeue(row: TaskRow): void {
    this.retryRows.set(row.name, row);
    this.queue.push(row.name);
  }

  private loadRow(name: string): TaskRow {
    const retry = this.retryRows.get(name);
    if (retry) {
      this.retryRows.delete(name);
      return retry;
    }
    const row = this.store.task(name);
    if (!row) throw new Error(`task ${name} is not in the sweep store`);
    return row;
  }

  private takeFromQueue(n: number): string[] {
    let batch = this.queue.slice(this.queueHead, this.queueHead + n);
    this.queueHead += batch.length;
    if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead); // compact now and then
      this.queueHead = 0;
    }
    if (this.withheld.size > 0) batch = batch.filter((name) => !this.withheld.has(name));
    return batch;
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
      this.withheld.add(name);
      this.retryAt.delete(name);
      this.retryRows.delete(name);
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

  private async submitRound(pending: TaskChange[]): Promise<void> {
    const now = this.now();
    for (const [name, at] of this.retryAt) {
      if (at <= now) {
        this.retryAt.delete(name);
        this.queue.push(name);
      }
    }
    const handovers: { source: ComputeSource; requests: SubmitRequest[]; batch: TaskRow[] }[] = [];
    const changes: TaskChange[] = pending;
    for (const source of this.dispatching() ? this.options.sources : []) {
      const free = this.freeFor(source);
      if (free <= 0 || this.queued() === 0) continue;
      const names = this.takeFromQueue(free);
      const batch = names.map((name) => this.loadRow(name));
      const prepared: string[] = [];
      const ok = this.guardWrite(() => {
        for (const row of batch) prepared.push(this.workspace.prepareAttempt(row, row.attempts + 1));
      });
      if (!ok) break; // disk full: nothing of this batch is handed over (the tasks stay pending)
      const requests = batch.map((row, i) => {
        const attempt = row.attempts + 1;
        const localDir = prepared[i]!;
        changes.push({ kind: 'queued', task: row.name, attempt, source: source.name, at: now });
        Object.assign(row, {
          status: 'queued',
          source: source.name,
          attempts: attempt,
          exitCode: null,
          signal: null,
          reason: null,
          startedAt: null,
          endedAt: null,
          host: null,
          detail: null,
        });
        this.running.set(row.name, { row, attempt, source, startedAt: null });
        const scale = this.scales.get(row.name);
        return {
          task: row.name,
          key: row.key,
          argv: row.argv,
          attempt,
          localDir,
          ...(scale ? { scale } : {}),
        };
      });
      handovers.push({ source, requests, batch });
    }
    if (changes.length === 0) return;
    // durable before the source sees the tasks; a failed commit rolls back whole: the new attempts
    // are not handed over (they stay pending) and the outcomes are committed with a later round
    if (!this.guardWrite(() => this.store.apply(changes))) {
      for (const h of handovers) for (const row of h.batch) this.running.delete(row.name);
      this.unapplied = changes.filter((c) => c.kind !== 'queued');
      return;
    }
    logChanges(this.log, changes);
    this.mappingDirty = true;
    for (const h of handovers) {
      for (const row of h.batch) this.options.onTask?.(row, 'queued');
      try {
        await h.source.submit(h.requests);
      } catch (err) {
        const failure = storageFailureOf(err);
        if (failure) {
          // the source could not write the task's script (disk full): none started, all pending
          this.halt(failure);
          this.submitFailures.push(
            ...notHandedOver(h.requests, this.now(), {
              neverStarted: true,
              detail: `not handed over: ${failure.message}`,
            }),
          );
          continue;
        }
        // none of them was handed over: recorded as submit_error with the source's words, retried
        // like any transient failure; the run goes on with the other sources and tasks
        const detail = `${h.source.name}: ${err instanceof Error ? err.message : String(err)}`;
        this.note('warn', 'source:submit_error', { source: h.source.name, detail });
        this.submitFailures.push(
          ...notHandedOver(h.requests, this.now(), { reason: 'submit_error', detail }),
        );
      }
    }
  }

  // How many tasks a source takes now. With several sources, none queues ahead of its free slots:
  // a deep local queue would take tasks a host is about to have room for.
  private freeFor(source: ComputeSource): number {
    return this.options.sources.length > 1
      ? Math.min(source.capacity(), source.slots - source.inFlight())
      : source.capacity();
  }

  private allSources(): ComputeSource[] {
    return [...new Set([...this.options.sources, ...[...this.running.values()].map((r) => r.source)])];
  }

  private async pollRound(): Promise<SourceEvent[]> {
    const failed = this.submitFailures.splice(0);
    const sources = this.allSources();
    const canSubmit =
      this.dispatching() && this.queued() > 0 && this.options.sources.some((s) => this.freeFor(s) > 0);
    if (this.running.size === 0 && !canSubmit && this.retryAt.size === 0) {
      // tasks wait for a source that is not ready yet (connecting to its host): look again soon,
      // without starving the event loop that brings the source its answers
      if (failed.length === 0 && this.dispatching() && this.queued() > 0)
        await new Promise((r) => setTimeout(r, 50));
      return failed;
    }
    const waitMs = canSubmit || failed.length > 0 ? 0 : this.nextWakeMs();
    if (sources.length === 1) return [...failed, ...(await sources[0]!.poll(waitMs))];
    const batches = await Promise.all(sources.map((s) => s.poll(Math.min(waitMs, 100))));
    return [...failed, ...batches.flat()];
  }

  private nextWakeMs(): number {
    let wait = 1000;
    const now = this.now();
    for (const at of this.retryAt.values()) wait = Math.min(wait, Math.max(0, at - now));
    if (this.options.timeoutMs !== null) {
      for (const r of this.running.values()) {
        if (r.startedAt !== null)
          wait = Math.min(wait, Math.max(0, r.startedAt + this.options.timeoutMs - now));
      }
    }
    return Math.max(wait, 5);
  }

  // Turns events into store changes (returned, applied by the caller) and writes status files.
  private finishRound(events: readonly SourceEvent[]): TaskChange[] {
    const changes: TaskChange[] = [];
    if (events.length === 0) return changes;
    const touched: {
      row: TaskRow;
      event: 'started' | 'finished' | 'retrying';
      diagnosis?: Diagnosis | null;
    }[] = [];
    for (const ev of events) {
      const run = this.running.get(ev.task);
      if (!run || run.attempt !== ev.attempt) continue;
      if (ev.kind === 'started') {
        run.startedAt = ev.at;
        Object.assign(run.row, { status: 'running', startedAt: ev.at, host: ev.host });
        changes.push({
          kind: 'started',
          task: ev.task,
          attempt: ev.attempt,
          handle: ev.handle,
          host: ev.host,
          at: ev.at,
        });
        touched.push({ row: run.row, event: 'started' });
        continue;
      }
      if (ev.neverStarted) {
        // withdrawn (a cancel) or never handed over (hsm died first): nothing ran, so the task is
        // pending again, and runs in this run unless the run is being cancelled
        this.running.delete(ev.task);
        const outcome = {
          exitCode: null,
          signal: null,
          reason: 'cancelled' as const,
          startedAt: null,
          endedAt: ev.at,
          host: null,
          detail: ev.detail ?? 'withdrawn before it started',
        };
        changes.push({ kind: 'finished', task: ev.task, attempt: ev.attempt, status: 'cancelled', outcome });
        changes.push({ kind: 'reset', task: ev.task, status: 'pending', at: ev.at });
        Object.assign(run.row, { status: 'pending' });
        if (ev.storageFailure)
          this.halt({ code: 'ENOSPC', path: ev.storageFailure, message: ev.detail ?? 'cannot write' });
        if (this.dispatching() && !this.withheld.has(ev.task)) this.requeue(run.row);
        continue;
      }
      const { outcome, diagnosis } = this.outcomeOf(run, ev);
      const status = statusForReason(outcome.reason);
      const adopted = this.adoptedNames.delete(ev.task);
      if (
        outcome.reason === 'lost' &&
        this.dispatching() &&
        (adopted || run.attempt <= this.options.retries + LOST_RERUNS)
      ) {
        // gone without an exit record (adopted from a dead hsm, its host died, its runner died): it
        // did not fail on its own, so it runs again, on whichever source has room
        this.running.delete(ev.task);
        Object.assign(run.row, {
          status,
          reason: outcome.reason,
          detail: outcome.detail,
          exitCode: null,
          signal: null,
        });
        changes.push({
          kind: 'finished',
          task: ev.task,
          attempt: ev.attempt,
          status,
          outcome,
          ...(diagnosis ? { category: diagnosis.category } : {}),
        });
        this.log.event('info', 'task:retry', { task: ev.task, after_attempt: run.attempt, delay_ms: 0 });
        this.requeue(run.row);
        touched.push({ row: run.row, event: 'retrying', diagnosis });
        continue;
      }
      this.running.delete(ev.task);
      Object.assign(run.row, {
        status,
        exitCode: outcome.exitCode,
        signal: outcome.signal,
        reason: outcome.reason,
        startedAt: outcome.startedAt,
        endedAt: outcome.endedAt,
        host: outcome.host,
        detail: outcome.detail,
      });
      changes.push({
        kind: 'finished',
        task: ev.task,
        attempt: ev.attempt,
        status,
        outcome,
        ...(diagnosis ? { category: diagnosis.category } : {}),
      });
      // the policy of the reason it ended for (retry-policy.ts, hsm_config.yaml `retry:`)
      const times = this.reasonCount(ev.task, outcome.reason);
      const decision = retryAfter(outcome.reason, {
        policy: this.options.reasonRetry,
        attempt: run.attempt,
        timesForReason: times,
        defaultRetries: this.options.retries,
        diagnosis,
        scalesResources: run.source.scalesResources === true,
      });
      const retry = status !== 'completed' && this.dispatching() && decision.retry;
      if (retry) {
        if (decision.mem !== 1 || decision.time !== 1) {
          const s = this.scales.get(ev.task) ?? { mem: 1, time: 1 };
          this.scales.set(ev.task, { mem: s.mem * decision.mem, time: s.time * decision.time });
        }
        const delay = decision.atOnce ? 0 : retryDelayMs(run.attempt, this.options.retryDelayMs);
        this.log.event('info', 'task:retry', { task: ev.task, after_attempt: run.attempt, delay_ms: delay });
        this.retryAt.set(ev.task, this.now() + delay);
        this.retryRows.set(ev.task, run.row);
      }
      touched.push({ row: run.row, event: retry ? 'retrying' : 'finished', diagnosis });
    }
    for (const t of touched) {
      if (t.event !== 'started') this.guardWrite(() => this.workspace.writeStatus(t.row)); // final states only
      this.options.onTask?.(t.row, t.event, t.diagnosis);
    }
    return changes;
  }

  // The outcome of an ended attempt and, when it did not complete, its cause (which may make the
  // termination reason precise: a SIGKILL hsm did not send is `oom`).
  private outcomeOf(
    run: Running,
    ev: Extract<SourceEvent, { kind: 'finished' }>,
  ): { outcome: Outcome; diagnosis: Diagnosis | null } {
    let exitStatus = ev.exitStatus;
    let endedAt = ev.at;
    if (exitStatus === null) {
      const record = this.workspace.readExit(ev.task, ev.attempt); // the record outranks the source's word
      if (record) {
        exitStatus = record.exit;
        endedAt = record.at;
      }
    }
    const started = run.startedAt ?? this.workspace.readStarted(ev.task, ev.attempt)?.at ?? null;
    const outcome = classifyExit({
      exitStatus,
      sourceReason: ev.reason,
      sourceDetail: ev.detail,
      timedOutAfterMs: run.timedOutAfterMs,
      cancelled: run.cancelled,
      startedAt: started,
      endedAt,
      host: run.row.host,
    });
    if (outcome.reason === 'completed') return { outcome, diagnosis: null };
    const diagnosis = diagnoseFailure({ ...outcome, stderrTail: this.workspace.stderrTail(ev.task) });
    return { outcome: { ...outcome, reason: diagnosis.reason }, diagnosis };
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

type FinishedEvent = Extract<SourceEvent, { kind: 'finished' }>;

// The events of attempts a source refused to take: none of them ran, so there is no exit status.
function notHandedOver(
  requests: readonly SubmitRequest[],
  at: number,
  how: Pick<FinishedEvent, 'reason' | 'neverStarted' | 'detail'>,
): FinishedEvent[] {
  return requests.map((r) => ({
    kind: 'finished',
    task: r.task,
    attempt: r.attempt,
    exitStatus: null,
    ...how,
    at,
  }));
}

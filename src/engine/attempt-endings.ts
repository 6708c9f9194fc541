import { statusForReason, type TerminationReason } from '../domain/task.js';
import type { Outcome } from '../domain/outcome.js';
import type { SourceEvent, TaskChange, TaskRow } from './ports.js';
import type { Running } from './engine-options.js';
import { classifyExit } from './classify-exit.js';
import { retryAfter, retryDelayMs } from './retry-policy.js';
import { diagnoseFailure, type Diagnosis } from '../diagnose/index.js';
import type { RunState } from './run-state.js';

// What the sources report, turned into store changes: an attempt started, or ended with an outcome
// (classified, diagnosed when it did not complete) and perhaps a retry by the policy of its reason.
// The changes are returned for the caller to commit with the round; status.yaml of each task that
// reached a final state of its attempt is written here.

/** Extra attempts (beyond `retries`) for an attempt lost with its host or runner: a task that
 * keeps taking its host down is not run forever. */
const LOST_RERUNS = 2;

type FinishedEvent = Extract<SourceEvent, { kind: 'finished' }>;

interface Touched {
  row: TaskRow;
  event: 'started' | 'finished' | 'retrying';
  diagnosis?: Diagnosis | null;
}

export class AttemptEndings {
  /** How many of a task's attempts ended for each reason in this run. */
  private readonly reasonCounts = new Map<string, number>();

  constructor(private readonly state: RunState) {}

  /** The store changes of a round's events (events of attempts no longer running are ignored). */
  take(events: readonly SourceEvent[]): TaskChange[] {
    const changes: TaskChange[] = [];
    if (events.length === 0) return changes;
    const touched: Touched[] = [];
    for (const ev of events) {
      const run = this.state.running.get(ev.task);
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
      } else if (ev.neverStarted) this.notStarted(run, ev, changes);
      else touched.push(this.ended(run, ev, changes));
    }
    for (const t of touched) {
      if (t.event !== 'started') this.state.guardWrite(() => this.state.workspace.writeStatus(t.row)); // final states only
      this.state.options.onTask?.(t.row, t.event, t.diagnosis);
    }
    return changes;
  }

  // Withdrawn (a cancel) or never handed over (hsm died first): nothing ran, so the task is pending
  // again, and runs in this run unless the run is being cancelled.
  private notStarted(run: Running, ev: FinishedEvent, changes: TaskChange[]): void {
    const { state } = this;
    state.running.delete(ev.task);
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
      state.halt({ code: 'ENOSPC', path: ev.storageFailure, message: ev.detail ?? 'cannot write' });
    if (state.dispatching() && !state.queue.isWithheld(ev.task)) state.queue.requeue(run.row);
  }

  private ended(run: Running, ev: FinishedEvent, changes: TaskChange[]): Touched {
    const { state } = this;
    const { outcome, diagnosis } = this.outcomeOf(run, ev);
    const status = statusForReason(outcome.reason);
    const adopted = state.adoptedNames.delete(ev.task);
    const change: TaskChange = {
      kind: 'finished',
      task: ev.task,
      attempt: ev.attempt,
      status,
      outcome,
      ...(diagnosis ? { category: diagnosis.category } : {}),
    };
    state.running.delete(ev.task);
    if (
      outcome.reason === 'lost' &&
      // `retry: lost:` in hsm_config.yaml, when given, decides alone (below)
      state.options.reasonRetry?.lost === undefined &&
      state.dispatching() &&
      (adopted || run.attempt <= state.options.retries + LOST_RERUNS)
    ) {
      // gone without an exit record (adopted from a dead hsm, its host died, its runner died): it
      // did not fail on its own, so it runs again, on whichever source has room
      Object.assign(run.row, {
        status,
        reason: outcome.reason,
        detail: outcome.detail,
        exitCode: null,
        signal: null,
      });
      changes.push(change);
      state.log.event('info', 'task:retry', { task: ev.task, after_attempt: run.attempt, delay_ms: 0 });
      state.queue.requeue(run.row);
      return { row: run.row, event: 'retrying', diagnosis };
    }
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
    changes.push(change);
    // the policy of the reason it ended for (retry-policy.ts, hsm_config.yaml `retry:`)
    const decision = retryAfter(outcome.reason, {
      policy: state.options.reasonRetry,
      attempt: run.attempt,
      timesForReason: this.reasonCount(ev.task, outcome.reason),
      defaultRetries: state.options.retries,
      diagnosis,
      scalesResources: run.source.scalesResources === true,
    });
    const retry = status !== 'completed' && state.dispatching() && decision.retry;
    if (retry) {
      if (decision.mem !== 1 || decision.time !== 1) state.queue.scale(ev.task, decision.mem, decision.time);
      const delay = decision.atOnce ? 0 : retryDelayMs(run.attempt, state.options.retryDelayMs);
      state.log.event('info', 'task:retry', { task: ev.task, after_attempt: run.attempt, delay_ms: delay });
      state.queue.retryLater(run.row, state.now() + delay);
    }
    return { row: run.row, event: retry ? 'retrying' : 'finished', diagnosis };
  }

  private reasonCount(task: string, reason: TerminationReason): number {
    const key = `${task}\0${reason}`;
    const n = (this.reasonCounts.get(key) ?? 0) + 1;
    this.reasonCounts.set(key, n);
    return n;
  }

  // The outcome of an ended attempt and, when it did not complete, its cause (which may make the
  // termination reason precise: a SIGKILL hsm did not send is `oom`, unless the source's accounting
  // says the attempt did not run out of memory).
  private outcomeOf(run: Running, ev: FinishedEvent): { outcome: Outcome; diagnosis: Diagnosis | null } {
    const { workspace } = this.state;
    let exitStatus = ev.exitStatus;
    let endedAt = ev.at;
    if (exitStatus === null) {
      const record = workspace.readExit(ev.task, ev.attempt); // the record outranks the source's word
      if (record) {
        exitStatus = record.exit;
        endedAt = record.at;
      }
    }
    const started = run.startedAt ?? workspace.readStarted(ev.task, ev.attempt)?.at ?? null;
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
    const diagnosis = diagnoseFailure({
      ...outcome,
      stderrTail: workspace.stderrTail(ev.task),
      ...(ev.memoryAccounted ? { memoryAccounted: true } : {}),
    });
    return { outcome: { ...outcome, reason: diagnosis.reason }, diagnosis };
  }
}

import type { ComputeSource, SourceEvent, SubmitRequest, TaskChange, TaskRow } from './ports.js';
import { storageFailureOf } from './storage-failure.js';
import { logChanges } from './change-log.js';
import { freeFor, type RunState } from './run-state.js';

// Handing attempts over to the sources, one round at a time: the tasks each source has room for are
// committed `queued` together with the outcomes of the round (one transaction) before any source
// sees them, so a kill -9 at any moment runs nothing twice.

export interface HandoverResult {
  /** The round's changes went into the store. */
  committed: boolean;
  /** Changes a failed commit rolled back that are to be committed with the next round (not the
   * `queued` ones: those tasks stay pending). */
  unapplied: TaskChange[];
}

export async function submitRound(state: RunState, pending: TaskChange[]): Promise<HandoverResult> {
  const now = state.now();
  state.queue.releaseDue(now);
  const handovers: { source: ComputeSource; requests: SubmitRequest[]; batch: TaskRow[] }[] = [];
  const changes: TaskChange[] = pending;
  for (const source of state.dispatching() ? state.options.sources : []) {
    const free = freeFor(state, source);
    if (free <= 0 || state.queue.length === 0) continue;
    const batch = state.queue.take(free);
    const prepared: string[] = [];
    const ok = state.guardWrite(() => {
      for (const row of batch) prepared.push(state.workspace.prepareAttempt(row, row.attempts + 1));
    });
    if (!ok) break; // disk full: nothing of this batch is handed over (the tasks stay pending)
    const requests = batch.map((row, i) => {
      const attempt = row.attempts + 1;
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
      state.running.set(row.name, { row, attempt, source, startedAt: null });
      const scale = state.queue.scaleOf(row.name);
      return {
        task: row.name,
        key: row.key,
        argv: row.argv,
        attempt,
        localDir: prepared[i]!,
        ...(scale ? { scale } : {}),
      };
    });
    handovers.push({ source, requests, batch });
  }
  if (changes.length === 0) return { committed: false, unapplied: [] };
  // durable before the source sees the tasks; a failed commit rolls back whole: the new attempts
  // are not handed over (they stay pending) and the outcomes are committed with a later round
  if (!state.guardWrite(() => state.store.apply(changes))) {
    for (const h of handovers) for (const row of h.batch) state.running.delete(row.name);
    return { committed: false, unapplied: changes.filter((c) => c.kind !== 'queued') };
  }
  logChanges(state.log, changes);
  for (const h of handovers) {
    for (const row of h.batch) state.options.onTask?.(row, 'queued');
    await hand(state, h.source, h.requests);
  }
  return { committed: true, unapplied: [] };
}

// One source's share of the round. A source that refuses it (its submit rejects) started none of it.
async function hand(state: RunState, source: ComputeSource, requests: SubmitRequest[]): Promise<void> {
  try {
    await source.submit(requests);
  } catch (err) {
    const failure = storageFailureOf(err);
    if (failure) {
      // the source could not write the task's script (disk full): none started, all pending
      state.halt(failure);
      state.submitFailures.push(
        ...notHandedOver(requests, state.now(), {
          neverStarted: true,
          detail: `not handed over: ${failure.message}`,
        }),
      );
      return;
    }
    // none of them was handed over: recorded as submit_error with the source's words, retried
    // like any transient failure; the run goes on with the other sources and tasks
    const detail = `${source.name}: ${err instanceof Error ? err.message : String(err)}`;
    state.guardWrite(() => state.note('warn', 'source:submit_error', { source: source.name, detail }));
    state.submitFailures.push(...notHandedOver(requests, state.now(), { reason: 'submit_error', detail }));
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

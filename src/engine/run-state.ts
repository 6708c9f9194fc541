import type { ComputeSource, EngineStore, SourceEvent, TaskWorkspace } from './ports.js';
import type { EngineOptions, Running } from './engine-options.js';
import type { StorageFailure } from './storage-failure.js';
import type { LogLevel, SweepLogger } from './log-port.js';
import type { TaskQueue } from './task-queue.js';

// The state of one run that its rounds share: what runs (by task name), what runs next, and the
// run's guards. The engine (sweep-engine.ts) owns it; handing attempts over (handover.ts) and ending
// them (attempt-endings.ts) work on it.

export interface RunState {
  readonly store: EngineStore;
  readonly workspace: TaskWorkspace;
  readonly options: EngineOptions;
  readonly log: SweepLogger;
  readonly now: () => number;
  /** Attempts handed to a source and not ended yet, by task name. */
  readonly running: Map<string, Running>;
  readonly queue: TaskQueue;
  /** Attempts adopted from a dead hsm process that have not ended yet. */
  readonly adoptedNames: Set<string>;
  /** Attempts a source refused to take (its submit rejected), reported with the next round's events. */
  readonly submitFailures: SourceEvent[];
  /** Whether attempts are handed over: not after a cancel, nor after a write failed (disk full). */
  dispatching(): boolean;
  /** Runs a write; a storage failure (disk full) stops the dispatch instead of the run (false). */
  guardWrite(write: () => void): boolean;
  /** Stops handing over attempts at once (a write failed for want of space). */
  halt(failure: StorageFailure): void;
  /** A run event: in the store's events and the sweep log. */
  note(level: LogLevel, kind: string, fields: Record<string, unknown>, data?: unknown): void;
}

/** How many tasks a source takes now. With several sources, none queues ahead of its free slots: a
 * deep local queue would take tasks a host is about to have room for. */
export function freeFor(state: RunState, source: ComputeSource): number {
  return state.options.sources.length > 1
    ? Math.min(source.capacity(), source.slots - source.inFlight())
    : source.capacity();
}

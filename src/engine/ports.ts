import type { Outcome } from '../domain/outcome.js';
import type { Params } from '../domain/params.js';
import type { TaskStatus, TerminationReason } from '../domain/task.js';

// The engine's ports: what it needs from the store, the task directories and the compute sources.
// Adapters (state/, compute/) implement them; the engine never knows which one it talks to.
export interface TaskRow {
  index: number;
  name: string;
  key: string;
  params: Params;
  argv: string[];
  status: TaskStatus;
  source: string | null;
  attempts: number;
  exitCode: number | null;
  signal: string | null;
  reason: TerminationReason | null;
  startedAt: number | null;
  endedAt: number | null;
  host: string | null;
  detail: string | null;
}

/** A change of one task, applied with others in one transaction. */
export type TaskChange =
  | { kind: 'queued'; task: string; attempt: number; source: string; at: number }
  | { kind: 'started'; task: string; attempt: number; pid: number; host: string; at: number }
  | { kind: 'finished'; task: string; attempt: number; status: TaskStatus; outcome: Outcome }
  | { kind: 'reset'; task: string; status: 'pending'; at: number };

export type StatusCounts = Record<TaskStatus, number>;

export interface EngineStore {
  apply(changes: readonly TaskChange[]): void;
  task(name: string): TaskRow | null;
  counts(): StatusCounts;
  recordEvent(kind: string, data?: unknown): void;
}

/** The task directories: what the engine writes before an attempt and reads after it. */
export interface TaskWorkspace {
  /** Moves an earlier attempt's files aside, writes params.yaml and command.sh; returns the task dir. */
  prepareAttempt(task: TaskRow, attempt: number): string;
  readStarted(task: string, attempt: number): { pid: number; host: string; at: number } | null;
  readExit(task: string, attempt: number): { exit: number; at: number } | null;
  /** Last lines of the attempt's stderr (for classification and error messages). */
  stderrTail(task: string, bytes?: number): string;
  writeStatus(task: TaskRow): void;
  /** Rewrites task_mapping.yaml from the store (called in batches, not per event). */
  writeMapping(): void;
}

// ---- compute sources ----

/** A request to run one attempt of a task. The task directory already holds command.sh. */
export interface SubmitRequest {
  task: string;
  attempt: number;
  taskDir: string;
}

/** What a source reports about attempts, in batches (`poll`). */
export type SourceEvent =
  | { kind: 'started'; task: string; attempt: number; pid: number; host: string; at: number }
  | {
      kind: 'finished';
      task: string;
      attempt: number;
      /** Exit status as the runner recorded it, null when there is no exit record. */
      exitStatus: number | null;
      /** The source's own verdict when it knows better than the exit status (scheduler timeout, OOM). */
      reason?: TerminationReason;
      detail?: string;
      /** The attempt was withdrawn (cancel) before it started: the task goes back to pending. */
      neverStarted?: boolean;
      at: number;
    };

export interface ComputeSource {
  readonly name: string;
  readonly type: 'local' | 'ssh' | 'slurm' | 'pbs';
  /** How many attempts it runs at once. */
  readonly slots: number;
  /** How many more attempts it accepts now (may exceed free slots: a source may queue a few ahead). */
  capacity(): number;
  /** Starts attempts; returns once each is handed over (not when it ends). */
  submit(requests: readonly SubmitRequest[]): Promise<void>;
  /** Resolves when events are available or after `waitMs`; returns and clears them (one call per round). */
  poll(waitMs: number): Promise<SourceEvent[]>;
  /** Stops attempts: TERM to the whole process tree, KILL after `graceMs`. */
  terminate(attempts: readonly { task: string; attempt: number }[], graceMs: number): Promise<void>;
  /** Number of attempts handed over and not yet reported finished. */
  inFlight(): number;
  /** Stops the source's helpers; with `wait`, lets running attempts finish and record their exit. */
  close(): Promise<void>;
}

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
  | { kind: 'started'; task: string; attempt: number; handle: AttemptHandle; host: string; at: number }
  | {
      kind: 'finished';
      task: string;
      attempt: number;
      status: TaskStatus;
      outcome: Outcome;
      /** The failure category of an attempt that did not complete (for the sweep log). */
      category?: string;
    }
  | { kind: 'reset'; task: string; status: 'pending'; at: number };

export type StatusCounts = Record<TaskStatus, number>;

export interface EngineStore {
  apply(changes: readonly TaskChange[]): void;
  task(name: string): TaskRow | null;
  counts(): StatusCounts;
  recordEvent(kind: string, data?: unknown): void;
  /** Tasks the user asked to cancel one by one since the last call (`hsm cancel SWEEP --tasks`). */
  takeCancelRequests?(): string[];
}

/** Where an attempt runs, in its source's own words: a local pid (`4242`), a pid on an ssh host
 * (`gpubox:4242`), a Slurm job (`1234_5`). The engine stores and passes it, never reads it. */
export type AttemptHandle = string;

/** The task directories on this machine: what the engine writes before an attempt and reads after it.
 * The script that runs the task is the source's to render (its task root and project root). */
export interface TaskWorkspace {
  /** Moves an earlier attempt's files aside and writes params.yaml; returns the local task dir. */
  prepareAttempt(task: TaskRow, attempt: number): string;
  readStarted(task: string, attempt: number): { handle: AttemptHandle; host: string; at: number } | null;
  readExit(task: string, attempt: number): { exit: number; at: number } | null;
  /** Last lines of the attempt's stderr (for classification and error messages). */
  stderrTail(task: string, bytes?: number): string;
  writeStatus(task: TaskRow): void;
  /** Rewrites task_mapping.yaml from the store (called in batches, not per event). */
  writeMapping(): void;
}

// ---- compute sources ----

/** A request to run one attempt of a task. The local task directory exists (params.yaml written);
 * the source renders the task's script for where it runs it (compute/command-script.ts). */
export interface SubmitRequest {
  task: string;
  key: string;
  argv: readonly string[];
  attempt: number;
  /** The task's directory on this machine (tasks/task_NNN): where its results end up. */
  localDir: string;
  /** Factors for this attempt's memory and time limit over the source's (retry policy after an
   * OOM or a timeout); only sources with `scalesResources` get it. */
  scale?: { mem: number; time: number };
}

/** An attempt left queued or running by an hsm process that is gone, handed back to its source. */
export interface AdoptRequest {
  task: string;
  attempt: number;
  localDir: string;
  /** The handle recorded when it started; null when no start was recorded. */
  handle: AttemptHandle | null;
  host: string | null;
}

/** What a source reports about attempts, in batches (`poll`). */
export type SourceEvent =
  | { kind: 'started'; task: string; attempt: number; handle: AttemptHandle; host: string; at: number }
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
      /** The source's accounting knows whether the attempt ran out of memory and said it did not (a
       * scheduler's final state other than OUT_OF_MEMORY): a SIGKILL is then not taken for an OOM. */
      memoryAccounted?: boolean;
      /** It did not start because the source could not write there (disk full): the path. The engine
       * stops handing over attempts. */
      storageFailure?: string;
      at: number;
    };

export interface ComputeSource {
  readonly name: string;
  readonly type: 'local' | 'ssh' | 'slurm' | 'pbs' | 'ssm';
  /** How many attempts it runs at once. */
  readonly slots: number;
  /** It sets each attempt's memory and time limit (batch schedulers): a retry after an OOM or a
   * timeout can ask for more (SubmitRequest.scale). */
  readonly scalesResources?: boolean;
  /** Its attempts go on without this process (a batch scheduler's queue): an interrupted run may
   * leave them queued or running, for a later run to adopt (`hsm complete`). */
  readonly outlivesRun?: boolean;
  /** How many more attempts it accepts now (may exceed free slots: a source may queue a few ahead). */
  capacity(): number;
  /** Called once as a run begins, before its first attempts are prepared, with how many wait: starts
   * what takes a while to start (the local runner processes), so that it is ready by the time the
   * first attempts are handed over. */
  warmUp?(waiting: number): void;
  /** Starts attempts; returns once each is handed over (not when it ends). A rejection means none of
   * them was handed over: the engine records them `submit_error`. One that fails alone is reported
   * by `poll` as finished with reason `submit_error`. */
  submit(requests: readonly SubmitRequest[]): Promise<void>;
  /** Takes over attempts an hsm process that is gone left on this source: they are awaited (and
   * reported by `poll`) like submitted ones; one that never started is reported `neverStarted`, one
   * whose process is gone without an exit record is reported with no exit status (`lost`). */
  adopt(attempts: readonly AdoptRequest[]): void;
  /** Resolves when events are available or after `waitMs`; returns and clears them (one call per round). */
  poll(waitMs: number): Promise<SourceEvent[]>;
  /** Stops attempts: TERM to the whole process tree, KILL after `graceMs`. A `cancel` also stops
   * what an hsm process that is gone left behind to start more attempts (the local runners). A
   * `withdraw` only withdraws those not started yet (reported `neverStarted`) and leaves the others
   * running (the engine stops dispatching: disk full). */
  terminate(
    attempts: readonly { task: string; attempt: number }[],
    graceMs: number,
    why?: 'timeout' | 'cancel' | 'withdraw',
  ): Promise<void>;
  /** Number of attempts handed over and not yet reported finished. */
  inFlight(): number;
  /** Brings finished attempts' task directories back into their local directories (remote
   * sources; a local source has nothing to bring). */
  collect?(
    attempts: readonly { task: string; attempt: number; localDir: string; host?: string | null }[],
  ): Promise<{
    collected: string[];
    missing: string[];
    error: string | null;
  }>;
  /** `hsm collect` with the source's `clean_remote`: its own copies of these tasks' directories,
   * whose records are back here, go (a batch source's copy of the sweep directory on a cluster
   * that does not share this filesystem). `where` names that copy; nothing when there is none. */
  removeCollected?(tasks: readonly string[]): Promise<{
    removed: string[];
    copyRemoved: boolean;
    where: string | null;
    error: string | null;
  }>;
  /** Why the source takes no tasks and will not soon (host down, setup refused), with the fix;
   * null while it works or may work soon. When every source says so and nothing runs, the run
   * stops instead of waiting forever. */
  unavailable?(): string | null;
  /** Stops the source's helpers; with `wait`, lets running attempts finish and record their exit. */
  close(): Promise<void>;
}

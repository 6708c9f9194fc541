import type { TaskStatus, TerminationReason } from '../domain/task.js';
import type { AttemptHandle, ComputeSource, TaskRow } from './ports.js';
import type { StorageFailure } from './storage-failure.js';
import type { ReasonRetry } from './retry-policy.js';
import type { Diagnosis } from '../diagnose/index.js';
import type { SweepLogger } from './log-port.js';

// What a run of the engine is given (the plan, its sources, its policies) and what it returns.

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
  /** Once every task is handed over and the only attempts in flight are on sources that outlive
   * this process, the run lets go of them and ends (`--detach` on a batch scheduler). */
  leaveWhenHandedOver?: boolean;
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
  /** Attempts left queued or running on sources that outlive this process (`leave`). */
  left: number;
  /** Set when the run stopped with tasks left because no source could take them (why, per source). */
  unavailable?: string[];
  counts: Partial<Record<TaskStatus, number>>;
  /** The run stopped handing over attempts because it could not write (disk full): what and where. */
  storageFailure: StorageFailure | null;
}

/** An attempt handed to a source and not ended yet. */
export interface Running {
  row: TaskRow;
  attempt: number;
  source: ComputeSource;
  startedAt: number | null;
  timedOutAfterMs?: number;
  cancelled?: boolean;
  killing?: boolean;
}

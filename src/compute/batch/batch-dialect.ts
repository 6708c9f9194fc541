import type { SourceConfig } from '../../config/project-config.js';
import type { TerminationReason } from '../../domain/task.js';

// A batch scheduler (Slurm, PBS/Torque) as a pure dialect: the text of a job script, the argv of
// each scheduler command and the parsing of its answers. Nothing here runs a program or reads a
// file: the shared glue (batch-source.ts) does, the same way for every scheduler, and each dialect
// is tested on recorded scheduler output and golden scripts.

/** One attempt of one task inside a job. */
export interface JobTask {
  task: string;
  key: string;
  attempt: number;
  /** The task directory relative to the job's `tasksDir` (holds command.sh; the runner writes
   * the records there). */
  dir: string;
}

/** Everything a job script says, in the dialect's neutral words. */
export interface JobSpec<R> {
  /** Job name: carries the sweep id (`hsm-<sweep id>`), the filter of the one status call. */
  name: string;
  /** Job comment: the sweep id and the submission's token, which names its attempts (see
   * submissionToken): how a submit that timed out is found again. */
  comment: string;
  /** Array elements, element i at index i: the tasks it runs, in order (one each unless tasks are
   * packed). A job of one task is still an array of one (one code path, one handle form). */
  elements: readonly (readonly JobTask[])[];
  /** The sweep's task directories where the job runs. */
  tasksDir: string;
  /** At most this many elements run at once (Slurm `%N`); null: no limit. */
  throttle: number | null;
  /** Where the runner is where the job runs (`runner/hsm-runner.sh`, run with `bash`). */
  runner: string;
  /** Directory for the scheduler's own stdout/stderr of each element (the task's own output goes
   * to its task directory). */
  logDir: string;
  /** The job's working directory. */
  workdir: string;
  /** The job script's path where the job runs: where an element reads its line of the table
   * (element-table.ts) when the scheduler does not run the script as `$0`. */
  script: string;
  resources: R;
}

/** A job or array element the scheduler still holds (status call). */
export interface QueueEntry {
  /** The id `submit` returned (an array's id). */
  jobId: string;
  /** Array index; null for a job that is not an array element, or a pending range not expanded
   * (then `indices` lists them). */
  index: number | null;
  /** Pending elements folded into one line (`123_[4-9%2]`). */
  indices?: number[];
  /** The scheduler's state word as printed (PENDING, RUNNING, ...). */
  state: string;
  /** Neutral: queued (not started), running, or ending (completing, held after a requeue). */
  phase: 'queued' | 'running' | 'ending';
  /** Why it waits (Slurm's pending reason), or the node it runs on. */
  reason: string | null;
  node: string | null;
  name: string;
  comment: string | null;
}

/** A job or array element as accounting tells it (after it left the queue). */
export interface AccountingEntry {
  jobId: string;
  index: number | null;
  state: string;
  /** Exit code of the job's batch script, and the signal that ended it, when known. */
  exitCode: number | null;
  signal: number | null;
  reason: string | null;
  node: string | null;
  /** Times the scheduler requeued it (preemption, node failure). */
  restarts: number;
  startedAt: number | null;
  endedAt: number | null;
  comment: string | null;
}

/** How a job ended, in hsm's words; `reason: null` while it is not over. */
export interface JobVerdict {
  reason: TerminationReason | null;
  detail: string | null;
}

/** A submit the scheduler refused: `temporary` is retried with backoff (controller down, timeout,
 * too many jobs for now), `permanent` is a clear error (bad partition, bad time, no such account). */
export interface SubmitFailure {
  kind: 'temporary' | 'permanent';
  message: string;
  hint: string;
}

export interface SchedulerLimits {
  /** Largest array index + 1 the scheduler accepts (Slurm MaxArraySize). */
  maxArraySize: number;
}

export interface BatchDialect<R> {
  readonly scheduler: 'slurm' | 'pbs';
  /** The program that submits (`sbatch`, `qsub`): named in errors when it is missing. */
  readonly submitProgram: string;
  /** The source's resource fields, read and checked (HsmError 'config' naming the field and fix). */
  readResources(source: string, config: SourceConfig): R;
  /** Resources of a retry: memory and/or the time limit multiplied (retry policy per reason). */
  scaleResources(resources: R, scale: { mem?: number; time?: number }): R;
  /** The text of a job script: readable, every value quoted by the one quoting function. */
  jobScript(job: JobSpec<R>): string;
  /** argv that submits the script at `scriptPath`; its stdout goes to `parseSubmit`. */
  submitArgv(scriptPath: string): string[];
  /** The job id in the submit command's output; throws on output it does not recognise. */
  parseSubmit(stdout: string): string;
  /** What a failed submit means (exit code, stderr; exitCode null: it did not answer in time). */
  classifySubmitError(exitCode: number | null, stderr: string): SubmitFailure;
  /** argv that reads the scheduler's limits (null: the dialect's defaults) and its parser. */
  limitsArgv(): string[] | null;
  parseLimits(stdout: string): SchedulerLimits;
  /** One status call for every job of a sweep (filtered by job name; a scheduler that cannot
   * filter by name, PBS, is given the sweep's job ids); and its parser. */
  queueArgv(jobName: string, jobIds?: readonly string[]): string[];
  parseQueue(stdout: string): QueueEntry[];
  /** A status or accounting call that exited non-zero but answered (PBS qstat names the jobs it no
   * longer knows and lists the others); absent: only exit 0 answers. */
  statusExitOk?(exitCode: number, stderr: string): boolean;
  /** Accounting for jobs that left the queue, since `since` (ms epoch); null when the scheduler has
   * none (then the exit records alone decide). */
  accountingArgv(jobIds: readonly string[], since: number): string[] | null;
  parseAccounting(stdout: string): AccountingEntry[];
  /** Jobs of the sweep in accounting by name (reconciling a submit that timed out). */
  findArgv(jobName: string, since: number): string[] | null;
  /** State -> termination reason (null while not over). */
  verdict(entry: AccountingEntry): JobVerdict;
  /** One call that cancels these jobs (whole arrays or `id_index` elements). */
  cancelArgv(jobIds: readonly string[]): string[];
  /** The handle of one element: `123_4` (Slurm), `123[4]` (PBS). */
  elementHandle(jobId: string, index: number): string;
  /** The name of an element's own output file under the job output directory (its script's
   * `--output` pattern); absent when the scheduler names it otherwise. */
  elementOutputName?(jobId: string, index: number): string;
}

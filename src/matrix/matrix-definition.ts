import type { ParamValue } from '../domain/params.js';

// A validated matrix file (docs/matrix-files.md): named axes whose entries multiply into jobs, each
// job with the argv it runs, where it runs and what counts as success for it. Pure data.

/** What counts as success for a job; a field left out is not checked. Neither given: exit code 0. */
export interface Expectation {
  exit_code?: number;
  /** A termination reason (`job_completed`, `heartbeat_timeout`, `timeout`, ...). */
  reason?: string;
}

/** Where and how long a job runs; fields of one entry override the file's. */
export interface Placement {
  source?: string;
  /** Fields of the source's entry in hsm_config.yaml (e.g. Slurm `nodes`, `time`). */
  resources?: Record<string, ParamValue>;
  /** hsm's own time limit for the job (`90s`, `5m`), as written. */
  timeout?: string;
  /** Extra attempts hsm gives a job that failed for a retryable reason (each counts a restart). */
  retries?: number;
}

/** One value of an axis: a plain value, or a named entry (a condition) with its own settings. */
export interface AxisEntry extends Placement {
  /** What the job's name shows for this value. */
  label: string;
  /** What `{axis}` in the command becomes. */
  value: ParamValue;
  description: string | null;
  args: string[];
  env: Record<string, string>;
  /** false: the entry's jobs are left out of `--ci` launches. */
  ci: boolean;
  expect: Expectation | null;
}

export interface MatrixAxis {
  name: string;
  entries: AxisEntry[];
}

/** How a job's own log says how it ended (docs/matrix-files.md "Termination reasons"). */
export interface ReasonRules {
  /** A regular expression for the summary line; its `key=value` words are read. */
  summary: string;
  /** The first rule whose pattern matches a line of the log names the reason. */
  patterns: { match: string; reason: string }[];
  /** Each line matching it counts one restart (when no summary line says `restarts=`). */
  restarts: string | null;
}

export const DEFAULT_SUMMARY_PATTERN = '^\\[SUMMARY\\]\\s';

export interface MatrixDefinition {
  file: string | null;
  name: string;
  description: string | null;
  /** Command template as argv words, `{axis}` placeholders allowed. */
  command: string[];
  placement: Placement;
  expect: Expectation | null;
  axes: MatrixAxis[];
  rules: ReasonRules;
}

/** One job a matrix generates. */
export interface MatrixJobSpec {
  /** Axis labels joined by `_`: unique within the matrix. */
  name: string;
  axes: Record<string, ParamValue>;
  argv: string[];
  env: Record<string, string>;
  source: string | null;
  resources: Record<string, ParamValue>;
  timeout: string | null;
  retries: number;
  expect: Expectation;
  ci: boolean;
  description: string | null;
}

import type { FailureGroup } from '../diagnose/index.js';
import type { Params } from '../domain/params.js';
import type { TaskStatus, TerminationReason } from '../domain/task.js';
import type { ChartResult, ChartTask } from './chart-data.js';

// What the reports are made from: the documents `hsm status --json`, `hsm results --json` and
// `hsm errors --json` give (api/ fills it with the same calls), plus the sweep's metadata.

export interface ReportTask extends ChartTask {
  attempts: number;
  exit_code: number | null;
  termination_reason: TerminationReason | null;
  host: string | null;
  params: Params;
}

export interface ReportErrorGroup extends FailureGroup {
  /** The group's tasks folded: `task_[004-026,031]`. */
  folded_tasks: string;
  /** The command that runs just this group's tasks again. */
  rerun: string;
  /** The last lines of the first task's stderr, as written (escaped when shown). */
  stderr_tail: string;
}

export interface ReportInput {
  sweep: {
    id: string;
    name: string | null;
    dir: string;
    created_at: string;
    completed_at: string | null;
    sweep_file: string | null;
    git: { commit: string; dirty: boolean } | null;
    hsm_version: string;
    total: number;
    counts: Record<TaskStatus, number>;
    sources: Record<string, Record<TaskStatus, number>>;
    /** An hsm process is running the sweep now. */
    running: boolean;
    eta_seconds: number | null;
  };
  tasks: ReportTask[];
  results: {
    metric: { name: string; goal: 'min' | 'max' } | null;
    best: { task: string; value: number } | null;
    param_keys: string[];
    metric_keys: string[];
    tasks: ChartResult[];
  };
  errors: {
    failed: number;
    counts: { failed: number; lost: number; cancelled: number };
    groups: ReportErrorGroup[];
    rerun: string;
  };
  /** When the report was made (epoch ms): "now" for tasks still running. */
  now_ms: number;
}

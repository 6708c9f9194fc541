import { join } from 'node:path';

// The only code that knows on-disk names inside a sweep directory (docs/ARCHITECTURE.md).
export class SweepPaths {
  constructor(readonly dir: string) {}

  get config(): string {
    return join(this.dir, 'sweep_config.yaml');
  }
  get metadata(): string {
    return join(this.dir, 'sweep_metadata.yaml');
  }
  /** Per source: the project's commit and sync verdict when the sweep ran there (sync/sync-record.ts). */
  get syncRecord(): string {
    return join(this.dir, 'source_sync.yaml');
  }
  get taskMapping(): string {
    return join(this.dir, 'task_mapping.yaml');
  }
  get db(): string {
    return join(this.dir, 'sweep.db');
  }
  /** The owner (pid, start time, host) of the hsm process running the sweep. */
  get lock(): string {
    return join(this.dir, 'sweep.lock');
  }
  /** Held locked (an OS lock) by the hsm process running the sweep, for the whole run. */
  get osLock(): string {
    return join(this.dir, 'sweep.lock.db');
  }
  get tasksDir(): string {
    return join(this.dir, 'tasks');
  }
  get logsDir(): string {
    return join(this.dir, 'logs');
  }
  get sweepLog(): string {
    return join(this.dir, 'logs', 'sweep.log');
  }
  sourceLog(source: string): string {
    return join(this.dir, 'logs', 'sources', `${source}.log`);
  }
  /** Every failed attempt, appended as it ends. */
  get failedTasksLog(): string {
    return join(this.dir, 'logs', 'errors', 'failed_tasks.yaml');
  }
  /** Failures grouped by cause, rewritten as failures happen. */
  get errorPatterns(): string {
    return join(this.dir, 'logs', 'errors', 'error_patterns.yaml');
  }
  get scriptsDir(): string {
    return join(this.dir, 'scripts');
  }
  get reportsDir(): string {
    return join(this.dir, 'reports');
  }
  get completionReport(): string {
    return join(this.reportsDir, 'completion_report.html');
  }
  get errorReport(): string {
    return join(this.reportsDir, 'error_analysis.html');
  }
  get performanceReport(): string {
    return join(this.reportsDir, 'performance_analysis.yaml');
  }
  taskDir(task: string): string {
    return join(this.dir, 'tasks', task);
  }
  taskFile(task: string, file: TaskFile): string {
    return join(this.dir, 'tasks', task, file);
  }
  /** Where an earlier attempt's output is kept when a task runs again. */
  attemptDir(task: string, attempt: number): string {
    return join(this.dir, 'tasks', task, 'attempts', String(attempt));
  }
}

/** Files of a task directory. `started`/`exit` are written by the runner, the rest by hsm or the task. */
export type TaskFile =
  | 'params.yaml'
  | 'status.yaml'
  | 'command.sh'
  | 'stdout.log'
  | 'stderr.log'
  | 'started'
  | 'exit'
  | 'metrics.json'
  | 'results';

/** Files moved to attempts/<n>/ before a task runs again. */
export const ATTEMPT_FILES: readonly TaskFile[] = [
  'stdout.log',
  'stderr.log',
  'started',
  'exit',
  'status.yaml',
];

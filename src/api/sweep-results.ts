import type { TaskStatus } from '../domain/task.js';
import type { Params } from '../domain/params.js';
import { readTaskMetrics, type TaskMetrics } from '../state/task-metrics.js';
import type { ProjectContext } from './project.js';
import { openSweep } from './sweep-run.js';

// Every task's params, status and the metrics it reported (`$HSM_TASK_DIR/metrics.json`): what a
// program reads after a sweep to compare its runs.

export interface TaskResult {
  name: string;
  status: TaskStatus;
  params: Params;
  /** The task's metrics.json, null when it wrote none (or not a JSON object). */
  metrics: TaskMetrics | null;
}

export interface SweepResults {
  sweep_id: string;
  tasks: TaskResult[];
}

// Reads a sweep's results (safe while another process runs it: the store is read-only here).
export function getSweepResults(project: ProjectContext, idOrPrefix?: string): SweepResults {
  const sweep = openSweep(project, idOrPrefix, { readonly: true });
  try {
    return {
      sweep_id: sweep.id,
      tasks: sweep.store.tasks().map((t) => ({
        name: t.name,
        status: t.status,
        params: t.params,
        metrics: readTaskMetrics(sweep.paths.taskFile(t.name, 'metrics.json')),
      })),
    };
  } finally {
    sweep.store.close();
  }
}

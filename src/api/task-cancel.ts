import { HsmError } from '../domain/errors.js';
import { liveLockOwner } from '../state/sweep-lock.js';
import { expandNodeSet } from '../remote/nodeset/index.js';
import type { ProjectContext } from './project.js';
import { openSweep } from './sweep-open.js';

// `hsm cancel SWEEP --tasks 'task_[004-006]'` and the dashboard's "Cancel task": single tasks of a
// sweep that an hsm process is running. The request goes into the sweep's store; the running process
// takes it within a second or so and, as a cancel of the whole run does, terminates the tasks that
// run (TERM, KILL after its grace; recorded `cancelled`) and leaves those not started yet pending: it
// does not start them (`hsm complete` runs both). The rest of the sweep goes on.

export interface CancelTasksResult {
  sweep_id: string;
  /** pid of the hsm process asked. */
  running_pid: number;
  /** Tasks asked to be cancelled. */
  requested: string[];
  /** Tasks left alone, with why: `task_003 (completed)`. */
  skipped: string[];
}

export function cancelTasks(
  project: ProjectContext,
  idOrPrefix: string,
  expression: string,
): CancelTasksResult {
  const names = expandNodeSet(expression);
  const sweep = openSweep(project, idOrPrefix);
  try {
    const requested: string[] = [];
    const skipped: string[] = [];
    for (const name of names) {
      const row = sweep.store.task(name);
      if (!row)
        throw new HsmError('usage', `--tasks names "${name}", which is not a task of sweep ${sweep.id}`, {
          hint: `\`hsm status ${sweep.id} --all\` lists its tasks`,
        });
      if (row.status === 'pending' || row.status === 'queued' || row.status === 'running')
        requested.push(name);
      else skipped.push(`${name} (${row.status})`);
    }
    const pid = liveLockOwner(sweep.paths.lock);
    if (pid === null)
      throw new HsmError(
        'usage',
        `no hsm process is running sweep ${sweep.id}: there is nothing to cancel a task in`,
        {
          hint: `\`hsm cancel ${sweep.id}\` stops what a dead hsm process left running; \`hsm status ${sweep.id}\` shows its state`,
        },
      );
    if (requested.length === 0)
      throw new HsmError('usage', `no task to cancel: ${skipped.join(', ')} ended already`, {
        hint: 'only pending, queued and running tasks can be cancelled',
      });
    sweep.store.cancelRequests.add(requested);
    return { sweep_id: sweep.id, running_pid: pid, requested, skipped };
  } finally {
    sweep.store.close();
  }
}

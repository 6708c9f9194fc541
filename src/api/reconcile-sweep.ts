import { reconcileTask } from '../engine/reconcile.js';
import type { TaskChange } from '../engine/ports.js';
import { SILENT_LOG, type SweepLogger } from '../engine/log-port.js';
import { logChanges } from '../engine/change-log.js';
import type { OpenSweep } from '../state/sweep-directory.js';
import { existingTaskDirs, scanTaskDir } from '../state/task-dir-scan.js';
import { LocalTaskWorkspace } from '../state/task-workspace.js';

// Before a run (or a cancel) decides anything: the store is brought up to what the task directories
// record (engine/reconcile.ts). Only tasks that are not completed and have a directory are read, so a
// resume of a large sweep reads a handful of records. Returns the names of the tasks it corrected.
export function reconcileSweep(
  sweep: OpenSweep,
  defaultSource: string,
  log: SweepLogger = SILENT_LOG,
): string[] {
  const dirs = existingTaskDirs(sweep.paths);
  if (dirs.size === 0) return [];
  const changes: TaskChange[] = [];
  const touched: string[] = [];
  for (const row of sweep.store.tasksWithStatus([
    'pending',
    'queued',
    'running',
    'lost',
    'failed',
    'cancelled',
  ])) {
    if (!dirs.has(row.name)) continue;
    const fix = reconcileTask(row, scanTaskDir(sweep.paths, row.name), defaultSource);
    if (fix.length === 0) continue;
    changes.push(...fix);
    touched.push(row.name);
  }
  if (changes.length === 0) return [];
  sweep.store.apply(changes);
  sweep.store.recordEvent('store:reconciled', { tasks: touched });
  logChanges(log, changes, 'reconciled from the task directory');
  log.event('warn', 'store:reconciled', { tasks: touched });
  const workspace = new LocalTaskWorkspace(sweep.paths);
  for (const name of touched) {
    const row = sweep.store.task(name);
    if (row && (row.status === 'completed' || row.status === 'failed')) workspace.writeStatus(row);
  }
  return touched;
}

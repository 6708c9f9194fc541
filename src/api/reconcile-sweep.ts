import { catchUpTask, reconcileTask } from '../engine/reconcile.js';
import type { TaskChange } from '../engine/ports.js';
import { SILENT_LOG, type SweepLogger } from '../engine/log-port.js';
import { logChanges } from '../engine/change-log.js';
import { openSweepDirectory, type OpenSweep } from '../state/sweep-directory.js';
import { liveLockOwner, SweepLock } from '../state/sweep-lock.js';
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

// A sweep left on a batch scheduler (`--detach`, Ctrl-C "leave") that no hsm process follows: the
// start and exit records its jobs wrote since are taken into the store (engine/reconcile.ts
// catchUpTask), under the sweep's lock, so `hsm status` shows where it is. Only tasks on sources
// `leftOn` names (those whose jobs outlive hsm) are read. Reads only the
// directories of queued and running tasks; does nothing while an hsm process runs the sweep, and
// leaves the store as it is when it cannot be written (a status never fails for it). Returns the
// names of the tasks it brought up to date.
export function catchUpLeftTasks(sweepDir: string, leftOn: (source: string | null) => boolean): string[] {
  let sweep: OpenSweep | null = null;
  let lock: SweepLock | null = null;
  try {
    sweep = openSweepDirectory(sweepDir, { readonly: true });
    const counts = sweep.store.counts();
    if (counts.queued + counts.running === 0 || liveLockOwner(sweep.paths.lock) !== null) return [];
    sweep.store.close();
    sweep = openSweepDirectory(sweepDir);
    lock = SweepLock.acquire(sweep.paths, sweep.id);
    const changes: TaskChange[] = [];
    const touched: string[] = [];
    for (const row of sweep.store.tasksWithStatus(['queued', 'running'])) {
      if (!leftOn(row.source)) continue; // a dead hsm's local runners: `hsm complete` adopts them
      const fix = catchUpTask(row, scanTaskDir(sweep.paths, row.name));
      if (fix.length === 0) continue;
      changes.push(...fix);
      touched.push(row.name);
    }
    if (changes.length === 0) return [];
    sweep.store.apply(changes);
    sweep.store.recordEvent('store:caught_up', { tasks: touched });
    const workspace = new LocalTaskWorkspace(sweep.paths);
    for (const name of touched) {
      const row = sweep.store.task(name);
      if (row && (row.status === 'completed' || row.status === 'failed')) workspace.writeStatus(row);
    }
    return touched;
  } catch {
    return []; // a run took the sweep meanwhile, or the store is read-only: shown as it is
  } finally {
    lock?.release();
    sweep?.store.close();
  }
}

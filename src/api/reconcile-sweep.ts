import { catchUpTask, reconcileTask } from '../engine/reconcile.js';
import type { TaskChange, TaskRow } from '../engine/ports.js';
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
  const rows = sweep.store
    .tasksWithStatus(['pending', 'queued', 'running', 'lost', 'failed', 'cancelled'])
    .filter((row) => dirs.has(row.name));
  const { changes, touched } = applyFixes(
    sweep,
    rows,
    (row) => reconcileTask(row, scanTaskDir(sweep.paths, row.name), defaultSource),
    'store:reconciled',
  );
  if (touched.length === 0) return [];
  logChanges(log, changes, 'reconciled from the task directory');
  log.event('warn', 'store:reconciled', { tasks: touched });
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
    const open = sweep;
    // a dead hsm's local runners are left alone: `hsm complete` adopts them
    const rows = open.store.tasksWithStatus(['queued', 'running']).filter((row) => leftOn(row.source));
    const { touched } = applyFixes(
      open,
      rows,
      (row) => catchUpTask(row, scanTaskDir(open.paths, row.name)),
      'store:caught_up',
    );
    return touched;
  } catch {
    return []; // a run took the sweep meanwhile, or the store is read-only: shown as it is
  } finally {
    lock?.release();
    sweep?.store.close();
  }
}

// What `fixOf` finds for each row, applied in one store change under `event`; the status file of
// each task it ended is written again. Returns the changes and the tasks they touched.
function applyFixes(
  sweep: OpenSweep,
  rows: readonly TaskRow[],
  fixOf: (row: TaskRow) => TaskChange[],
  event: string,
): { changes: TaskChange[]; touched: string[] } {
  const changes: TaskChange[] = [];
  const touched: string[] = [];
  for (const row of rows) {
    const fix = fixOf(row);
    if (fix.length === 0) continue;
    changes.push(...fix);
    touched.push(row.name);
  }
  if (changes.length === 0) return { changes, touched };
  sweep.store.apply(changes);
  sweep.store.recordEvent(event, { tasks: touched });
  const workspace = new LocalTaskWorkspace(sweep.paths);
  for (const name of touched) {
    const row = sweep.store.task(name);
    if (row && (row.status === 'completed' || row.status === 'failed')) workspace.writeStatus(row);
  }
  return { changes, touched };
}

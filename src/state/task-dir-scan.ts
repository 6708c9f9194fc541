import { existsSync, readdirSync } from 'node:fs';
import { ATTEMPT_FILES, type SweepPaths } from './sweep-paths.js';
import {
  readExitRecord,
  readStartedRecord,
  recordAttempt,
  type ExitRecord,
  type StartedRecord,
} from '../process/task-records.js';

// What a task directory says about a task's latest attempt, whatever the store says: the runner's
// records are written in the task directory, so they survive a store that lost its latest
// transactions (a deleted sweep.db-wal, a power loss).

export interface DiskAttempt {
  /** The latest attempt the directory knows of (a prepared one counts: it may sit in a runner's queue). */
  attempt: number;
  started: StartedRecord | null;
  exit: ExitRecord | null;
}

/** Names of the task directories that exist (one listing: cheap next to one stat per task). */
export function existingTaskDirs(paths: SweepPaths): Set<string> {
  try {
    return new Set(readdirSync(paths.tasksDir));
  } catch {
    return new Set();
  }
}

/** The highest attempt kept under attempts/<n>/, 0 for none. */
export function highestArchivedAttempt(paths: SweepPaths, task: string): number {
  try {
    return Math.max(
      0,
      ...readdirSync(`${paths.taskDir(task)}/attempts`)
        .map(Number)
        .filter(Number.isInteger),
    );
  } catch {
    return 0;
  }
}

/** The attempt the files at the top of a task directory belong to, or null when there are none. */
export function attemptAtTop(paths: SweepPaths, task: string): number | null {
  const named = recordAttempt(paths.taskFile(task, 'exit')) ?? recordAttempt(paths.taskFile(task, 'started'));
  if (named !== null) return named;
  return ATTEMPT_FILES.some((f) => existsSync(paths.taskFile(task, f))) ? 0 : null;
}

export function scanTaskDir(paths: SweepPaths, task: string): DiskAttempt {
  const archived = highestArchivedAttempt(paths, task);
  const exitAttempt = recordAttempt(paths.taskFile(task, 'exit')) ?? 0;
  const startedAttempt = recordAttempt(paths.taskFile(task, 'started')) ?? 0;
  const recorded = Math.max(exitAttempt, startedAttempt);
  // no record above the archived ones: the directory holds a prepared attempt that has not started
  const attempt = recorded > archived ? recorded : archived + 1;
  return {
    attempt,
    started: readStartedRecord(paths.taskFile(task, 'started'), attempt),
    exit: readExitRecord(paths.taskFile(task, 'exit'), attempt),
  };
}

import { statusForReason } from '../domain/task.js';
import { classifyExit } from './classify-exit.js';
import type { TaskChange, TaskRow } from './ports.js';

// Brings a task's row up to what its task directory records, before a run decides what to run. The
// runner's records are the truth about attempts (they are written where the task runs, whatever
// happens to the store): a store that lost its latest transactions (sweep.db-wal deleted, a power
// loss) would otherwise run finished tasks again. Pure: the caller reads the directory and applies.

export interface RecordedAttempt {
  attempt: number;
  started: { pid: number; host: string; at: number } | null;
  exit: { exit: number; at: number } | null;
}

export function reconcileTask(row: TaskRow, disk: RecordedAttempt, source: string): TaskChange[] {
  if (row.status === 'completed' || disk.attempt < row.attempts) return [];
  const changes: TaskChange[] = [];
  const at = disk.started?.at ?? disk.exit?.at ?? Date.now();
  if (disk.attempt > row.attempts) {
    if (row.status === 'queued' || row.status === 'running')
      // the store still waits for an earlier attempt, which the directory says was followed by this
      // one: it ended unrecorded (its own records went to attempts/<n>/)
      changes.push({
        kind: 'finished',
        task: row.name,
        attempt: row.attempts,
        status: 'lost',
        outcome: {
          exitCode: null,
          signal: null,
          reason: 'lost',
          startedAt: row.startedAt,
          endedAt: at,
          host: row.host,
          detail: `followed by attempt ${disk.attempt} in the task directory; its end was not recorded`,
        },
      });
    changes.push({ kind: 'queued', task: row.name, attempt: disk.attempt, source: row.source ?? source, at });
  } else if (row.status === 'queued' || row.status === 'running' || !disk.exit) {
    return []; // the store knows this attempt; adoption awaits a live one
  } else if (row.status === 'failed' || row.status === 'cancelled') {
    return []; // recorded with its outcome already
  }
  if (disk.started && (disk.attempt > row.attempts || row.startedAt === null)) {
    changes.push({
      kind: 'started',
      task: row.name,
      attempt: disk.attempt,
      handle: String(disk.started.pid),
      host: disk.started.host,
      at: disk.started.at,
    });
  }
  if (disk.exit) {
    const outcome = classifyExit({
      exitStatus: disk.exit.exit,
      startedAt: disk.started?.at ?? null,
      endedAt: disk.exit.at,
      host: disk.started?.host ?? null,
    });
    changes.push({
      kind: 'finished',
      task: row.name,
      attempt: disk.attempt,
      status: statusForReason(outcome.reason),
      outcome,
    });
  }
  return changes;
}

// A task left queued or running on a source that keeps its jobs without hsm (a batch scheduler,
// `--detach`), while no hsm process follows the sweep: what its directory records since (the
// runner's start and exit records) is taken in, so `hsm status` shows it. An attempt that ended
// without an exit record (cancelled or timed out by the scheduler) is for `hsm complete` to learn
// from the scheduler.
export function catchUpTask(row: TaskRow, disk: RecordedAttempt): TaskChange[] {
  if ((row.status !== 'queued' && row.status !== 'running') || disk.attempt !== row.attempts) return [];
  const changes: TaskChange[] = [];
  if (disk.started && row.startedAt === null)
    changes.push({
      kind: 'started',
      task: row.name,
      attempt: disk.attempt,
      handle: String(disk.started.pid),
      host: disk.started.host,
      at: disk.started.at,
    });
  if (disk.exit) {
    const outcome = classifyExit({
      exitStatus: disk.exit.exit,
      startedAt: disk.started?.at ?? row.startedAt,
      endedAt: disk.exit.at,
      host: disk.started?.host ?? row.host,
    });
    changes.push({
      kind: 'finished',
      task: row.name,
      attempt: disk.attempt,
      status: statusForReason(outcome.reason),
      outcome,
    });
  }
  return changes;
}

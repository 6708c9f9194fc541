import type Database from 'better-sqlite3';
import type { TaskChange } from '../engine/ports.js';
import { TASK_STATUSES, canTransition, statusesLeadingTo, type TaskStatus } from '../domain/task.js';
import { HsmError } from '../domain/errors.js';
import type { RawTaskRow } from './task-row.js';

// Task state changes as the store commits them: each one updates the task and its attempt and is
// recorded as an event, all of a batch in one transaction. Each update names the statuses it may
// move a task from (domain/task.ts); a change that matches no row is refused, and the whole batch
// with it (an illegal change is a bug). Attempt numbers only grow.
// An attempt that started and ended within one batch (a short task, the common case of a busy
// sweep) is written as one update of its task and one of its attempt, not two each: the rows end up
// as the two updates would leave them, and both events are recorded.
// Parameters are positional (`?`, in the order they appear in each statement): better-sqlite3 binds
// an object's named parameters ~2 µs a statement slower, and a task takes 4-6 statements.

export class TaskChanges {
  private readonly stmts;
  /** The batch in one transaction (made once: better-sqlite3 builds a wrapper per `transaction` call). */
  private readonly applyAll: (changes: readonly TaskChange[], alsoInTransaction?: () => void) => void;

  constructor(private readonly db: Database.Database) {
    this.stmts = {
      queueTask: db.prepare(
        `UPDATE tasks SET status='queued', source=?, attempts=?, exit_code=NULL, signal=NULL,
         reason=NULL, started_at=NULL, ended_at=NULL, host=NULL, detail=NULL
         WHERE name=? AND attempts < ? AND status IN (${sqlList(statusesLeadingTo('queued'))})`,
      ),
      insertAttempt: db.prepare(
        `INSERT OR REPLACE INTO attempts (task_idx, attempt, source, status, queued_at)
         SELECT idx, ?, ?, 'queued', ? FROM tasks WHERE name=?`,
      ),
      // a start reported again for the running attempt (a source re-reading its records) is no change
      startTask: db.prepare(
        `UPDATE tasks SET status='running', started_at=COALESCE(started_at, ?), host=?
         WHERE name=? AND attempts=? AND status IN (${sqlList([...statusesLeadingTo('running'), 'running'])})`,
      ),
      startAttempt: db.prepare(
        `UPDATE attempts SET status='running', pid=?, host=?, started_at=?
         WHERE task_idx=(SELECT idx FROM tasks WHERE name=?) AND attempt=?`,
      ),
      finishTask: new Map(
        TASK_STATUSES.map((to) => [
          to,
          db.prepare(
            `UPDATE tasks SET status=?, exit_code=?, signal=?, reason=?,
             started_at=COALESCE(?, started_at), ended_at=?, host=COALESCE(?, host), detail=?
             WHERE name=? AND attempts=? AND status IN (${sqlList(statusesLeadingTo(to))})`,
          ),
        ]),
      ),
      finishAttempt: db.prepare(
        `UPDATE attempts SET status=?, exit_code=?, signal=?, reason=?,
         started_at=COALESCE(?, started_at), ended_at=?, detail=?
         WHERE task_idx=(SELECT idx FROM tasks WHERE name=?) AND attempt=?`,
      ),
      // started then finished in one batch: the start's fields and the end's in one update each
      runTask: new Map(
        TASK_STATUSES.filter((to) => canTransition('running', to)).map((to) => [
          to,
          db.prepare(
            `UPDATE tasks SET status=?, exit_code=?, signal=?, reason=?,
             started_at=COALESCE(?, started_at, ?), ended_at=?, host=COALESCE(?, ?), detail=?
             WHERE name=? AND attempts=? AND status IN (${sqlList([...statusesLeadingTo('running'), 'running'])})`,
          ),
        ]),
      ),
      runAttempt: db.prepare(
        `UPDATE attempts SET status=?, pid=?, host=?, exit_code=?, signal=?,
         reason=?, started_at=COALESCE(?, ?), ended_at=?, detail=?
         WHERE task_idx=(SELECT idx FROM tasks WHERE name=?) AND attempt=?`,
      ),
      resetTask: db.prepare(
        `UPDATE tasks SET status='pending' WHERE name=? AND status IN (${sqlList(statusesLeadingTo('pending'))})`,
      ),
      event: db.prepare(`INSERT INTO events (at, task, kind, data) VALUES (?, ?, ?, ?)`),
      taskByName: db.prepare(`SELECT * FROM tasks WHERE name=?`),
    };
    this.applyAll = db.transaction((changes: readonly TaskChange[], alsoInTransaction?: () => void) => {
      const endOf = endsInBatch(changes);
      const written = new Set(endOf.values());
      for (let i = 0; i < changes.length; i++) {
        const c = changes[i]!;
        const end = c.kind === 'started' ? endOf.get(i) : undefined;
        if (end !== undefined) this.applyRun(c as StartedChange, changes[end] as FinishedChange);
        else if (!written.has(i)) this.applyOne(c);
      }
      alsoInTransaction?.();
    });
  }

  // Applies many task changes atomically, recording each as an event. A change the transition table
  // does not allow (or of an attempt that is not the task's current one) is refused: nothing of the
  // batch is applied and the error says what was asked and what the store holds.
  // `alsoInTransaction` writes more (the ended attempts' metrics) in the same transaction.
  apply(changes: readonly TaskChange[], alsoInTransaction?: () => void): void {
    if (changes.length > 0 || alsoInTransaction) this.applyAll(changes, alsoInTransaction);
  }

  // An attempt's start and end, as applyOne would write them one after the other.
  private applyRun(start: StartedChange, c: FinishedChange): void {
    const s = this.stmts;
    const o = c.outcome;
    const ran = s.runTask
      .get(c.status)!
      .run(
        c.status,
        o.exitCode,
        o.signal,
        o.reason,
        o.startedAt,
        start.at,
        o.endedAt,
        o.host,
        start.host,
        o.detail,
        c.task,
        c.attempt,
      );
    if (ran.changes === 0) {
      // refused: say which of the two was not legal, as applyOne would have
      this.applyOne(start);
      throw this.refused(c, c.status);
    }
    s.runAttempt.run(
      c.status,
      start.handle,
      start.host,
      o.exitCode,
      o.signal,
      o.reason,
      o.startedAt,
      start.at,
      o.endedAt,
      o.detail,
      c.task,
      c.attempt,
    );
    this.startedEvent(start);
    this.finishedEvent(c);
  }

  private startedEvent(c: StartedChange): void {
    const detail = { attempt: c.attempt, handle: c.handle, host: c.host };
    this.stmts.event.run(c.at, c.task, 'task:started', JSON.stringify(detail));
  }

  private finishedEvent(c: FinishedChange): void {
    const at = c.outcome.endedAt ?? Date.now();
    this.stmts.event.run(
      at,
      c.task,
      `task:${c.status}`,
      JSON.stringify({ attempt: c.attempt, ...c.outcome }),
    );
  }

  private applyOne(c: TaskChange): void {
    const s = this.stmts;
    switch (c.kind) {
      case 'queued':
        if (s.queueTask.run(c.source, c.attempt, c.task, c.attempt).changes === 0)
          throw this.refused(c, 'queued');
        s.insertAttempt.run(c.attempt, c.source, c.at, c.task);
        s.event.run(c.at, c.task, 'task:queued', JSON.stringify({ attempt: c.attempt, source: c.source }));
        break;
      case 'started':
        if (s.startTask.run(c.at, c.host, c.task, c.attempt).changes === 0) throw this.refused(c, 'running');
        s.startAttempt.run(c.handle, c.host, c.at, c.task, c.attempt);
        this.startedEvent(c);
        break;
      case 'finished': {
        const o = c.outcome;
        const { status, task, attempt } = c;
        const done = s.finishTask
          .get(status)!
          .run(
            status,
            o.exitCode,
            o.signal,
            o.reason,
            o.startedAt,
            o.endedAt,
            o.host,
            o.detail,
            task,
            attempt,
          );
        if (done.changes === 0) throw this.refused(c, status);
        s.finishAttempt.run(
          status,
          o.exitCode,
          o.signal,
          o.reason,
          o.startedAt,
          o.endedAt,
          o.detail,
          task,
          attempt,
        );
        this.finishedEvent(c);
        break;
      }
      case 'reset':
        if (s.resetTask.run(c.task).changes === 0) throw this.refused(c, 'pending');
        s.event.run(c.at, c.task, 'task:reset', null);
        break;
    }
  }

  // Why the store refused a change: what was asked against what it holds. A bug in hsm, never a
  // user's doing, so it is an internal error (the whole batch is rolled back).
  private refused(c: TaskChange, to: TaskStatus): HsmError {
    const row = this.stmts.taskByName.get(c.task) as RawTaskRow | undefined;
    const attempt = 'attempt' in c ? c.attempt : null;
    const why = !row
      ? 'no such task in the store'
      : c.kind === 'queued' && row.attempts >= c.attempt
        ? `attempt ${c.attempt} is not newer than the task's attempt ${row.attempts}`
        : attempt !== null && c.kind !== 'queued' && row.attempts !== attempt
          ? `attempt ${attempt} is not the task's current attempt (${row.attempts})`
          : `${row.status} -> ${to} is not a legal status change`;
    return new HsmError(
      'internal',
      `the sweep store refused to record task ${c.task}${attempt !== null ? ` attempt ${attempt}` : ''} as ${to}: ${why}`,
      {
        hint: 'nothing of this change was recorded; the task directories keep every record, and `hsm complete` reads them back',
        details: {
          task: c.task,
          attempt,
          from: row?.status ?? null,
          to,
          current_attempt: row?.attempts ?? null,
        },
      },
    );
  }
}

type StartedChange = Extract<TaskChange, { kind: 'started' }>;
type FinishedChange = Extract<TaskChange, { kind: 'finished' }>;

// For each `started` change whose attempt's next change in the batch is its `finished` one (to a
// status a running task may reach), the index of that `finished` change.
function endsInBatch(changes: readonly TaskChange[]): Map<number, number> {
  const ends = new Map<number, number>();
  const lastStart = new Map<string, number>();
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i]!;
    const open = lastStart.get(c.task);
    lastStart.delete(c.task);
    if (c.kind === 'started') lastStart.set(c.task, i);
    else if (
      open !== undefined &&
      c.kind === 'finished' &&
      (changes[open] as StartedChange).attempt === c.attempt &&
      canTransition('running', c.status)
    )
      ends.set(open, i);
  }
  return ends;
}

function sqlList(statuses: readonly TaskStatus[]): string {
  return statuses.map((x) => `'${x}'`).join(', ');
}

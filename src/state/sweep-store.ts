import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Params } from '../domain/params.js';
import type { EngineStore, StatusCounts, TaskChange, TaskRow } from '../engine/ports.js';
import {
  TASK_STATUSES,
  statusesLeadingTo,
  type TaskSpec,
  type TaskStatus,
  type TerminationReason,
} from '../domain/task.js';
import { HsmError } from '../domain/errors.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.sql.js';
import { SummaryBuilder, type SweepSummary } from './sweep-summary.js';
import { TaskFindings } from './task-findings.js';
import { TaskTable } from './task-table.js';
import { CancelRequests } from './cancel-requests.js';

// The sweep store: tasks, attempts and events of one sweep in SQLite (WAL, so readers never block the
// writer). Every state change goes through here and is committed before the engine acts on it.

interface RawTaskRow {
  idx: number;
  name: string;
  key: string;
  params: string;
  argv: string;
  status: TaskStatus;
  source: string | null;
  attempts: number;
  exit_code: number | null;
  signal: string | null;
  reason: TerminationReason | null;
  started_at: number | null;
  ended_at: number | null;
  host: string | null;
  detail: string | null;
}

function toTaskRow(r: RawTaskRow): TaskRow {
  return {
    index: r.idx,
    name: r.name,
    key: r.key,
    params: JSON.parse(r.params) as Params,
    argv: JSON.parse(r.argv) as string[],
    status: r.status,
    source: r.source,
    attempts: r.attempts,
    exitCode: r.exit_code,
    signal: r.signal,
    reason: r.reason,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    host: r.host,
    detail: r.detail,
  };
}

export class SweepStore implements EngineStore {
  private readonly db: Database.Database;
  /** Causes of failures and reported metrics (task-findings.ts). */
  readonly findings: TaskFindings;
  /** Pages of the task table, filtered and sorted in SQL (task-table.ts). */
  readonly table: TaskTable;
  /** Single tasks another process asked to cancel (cancel-requests.ts). */
  readonly cancelRequests: CancelRequests;
  private readonly stmts;

  private constructor(db: Database.Database) {
    this.db = db;
    this.findings = new TaskFindings(db);
    this.table = new TaskTable(db);
    this.cancelRequests = new CancelRequests(db);
    this.stmts = {
      // Each update names the statuses it may move a task from (domain/task.ts); one that matches no
      // row is refused by `apply` (an illegal change is a bug). Attempt numbers only grow.
      queueTask: db.prepare(
        `UPDATE tasks SET status='queued', source=@source, attempts=@attempt, exit_code=NULL, signal=NULL,
         reason=NULL, started_at=NULL, ended_at=NULL, host=NULL, detail=NULL
         WHERE name=@task AND attempts < @attempt AND status IN (${sqlList(statusesLeadingTo('queued'))})`,
      ),
      insertAttempt: db.prepare(
        `INSERT OR REPLACE INTO attempts (task_idx, attempt, source, status, queued_at)
         SELECT idx, @attempt, @source, 'queued', @at FROM tasks WHERE name=@task`,
      ),
      // a start reported again for the running attempt (a source re-reading its records) is no change
      startTask: db.prepare(
        `UPDATE tasks SET status='running', started_at=COALESCE(started_at, @at), host=@host
         WHERE name=@task AND attempts=@attempt AND status IN (${sqlList([...statusesLeadingTo('running'), 'running'])})`,
      ),
      startAttempt: db.prepare(
        `UPDATE attempts SET status='running', pid=@pid, host=@host, started_at=@at
         WHERE task_idx=(SELECT idx FROM tasks WHERE name=@task) AND attempt=@attempt`,
      ),
      finishTask: new Map(
        TASK_STATUSES.map((to) => [
          to,
          db.prepare(
            `UPDATE tasks SET status=@status, exit_code=@exitCode, signal=@signal, reason=@reason,
             started_at=COALESCE(@startedAt, started_at), ended_at=@endedAt, host=COALESCE(@host, host), detail=@detail
             WHERE name=@task AND attempts=@attempt AND status IN (${sqlList(statusesLeadingTo(to))})`,
          ),
        ]),
      ),
      finishAttempt: db.prepare(
        `UPDATE attempts SET status=@status, exit_code=@exitCode, signal=@signal, reason=@reason,
         started_at=COALESCE(@startedAt, started_at), ended_at=@endedAt, detail=@detail
         WHERE task_idx=(SELECT idx FROM tasks WHERE name=@task) AND attempt=@attempt`,
      ),
      resetTask: db.prepare(
        `UPDATE tasks SET status='pending' WHERE name=@task AND status IN (${sqlList(statusesLeadingTo('pending'))})`,
      ),
      event: db.prepare(`INSERT INTO events (at, task, kind, data) VALUES (?, ?, ?, ?)`),
      getMeta: db.prepare(`SELECT value FROM meta WHERE key=?`),
      setMeta: db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`),
      counts: db.prepare(`SELECT status, COUNT(*) AS n FROM tasks GROUP BY status`),
      bySource: db.prepare(`SELECT source, status, COUNT(*) AS n FROM tasks GROUP BY source, status`),
      allTasks: db.prepare(`SELECT * FROM tasks ORDER BY idx`),
      taskByName: db.prepare(`SELECT * FROM tasks WHERE name=?`),
      attemptPid: db.prepare(
        `SELECT pid, started_at FROM attempts WHERE task_idx=(SELECT idx FROM tasks WHERE name=?) AND attempt=?`,
      ),
    };
  }

  // Opens (and with `create`, initialises) the store of a sweep directory. `readonly` never writes, so
  // it also reads a sweep directory the user cannot write (another user's, an archive).
  static open(path: string, options: { create?: boolean; readonly?: boolean } = {}): SweepStore {
    let db: Database.Database | null = null;
    try {
      db = new Database(path, {
        readonly: options.readonly ?? false,
        fileMustExist: !options.create,
        timeout: 5000, // busy_timeout
      });
      db = options.readonly ? readableInPlace(db, path) : db;
      if (!options.create) db.prepare('SELECT 1 FROM meta LIMIT 1').get(); // a damaged file fails here
    } catch (err) {
      if (db?.open) db.close();
      throw storeOpenError(path, err);
    }
    // room for the task table of a 100,000-task sweep (~30 MB): `hsm status` reads it twice
    db.pragma('cache_size = -65536');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode: a commit survives a crash of hsm (kill -9); only a power loss can lose the
      // last transactions, and the runner's records on disk let the next run reconcile them.
      db.pragma('synchronous = NORMAL');
    }
    if (options.create) {
      db.exec(SCHEMA_SQL);
      db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)`).run(
        String(SCHEMA_VERSION),
      );
    }
    return new SweepStore(db);
  }

  // Inserts the generated tasks (all `pending`) in one transaction, one at a time from any iterable.
  insertTasks(tasks: Iterable<TaskSpec>): number {
    const insert = this.db.prepare(`INSERT INTO tasks (idx, name, key, params, argv) VALUES (?, ?, ?, ?, ?)`);
    let n = 0;
    this.db.transaction(() => {
      for (const t of tasks) {
        const params = JSON.stringify(t.params);
        insert.run(t.index, t.name, t.key, params, JSON.stringify(t.argv));
        n++;
      }
    })();
    return n;
  }

  // Applies many task changes atomically, recording each as an event. A change the transition table
  // does not allow (or of an attempt that is not the task's current one) is refused: nothing of the
  // batch is applied and the error says what was asked and what the store holds.
  apply(changes: readonly TaskChange[]): void {
    if (changes.length === 0) return;
    const s = this.stmts;
    this.db.transaction(() => {
      for (const c of changes) {
        switch (c.kind) {
          case 'queued':
            if (s.queueTask.run({ task: c.task, attempt: c.attempt, source: c.source }).changes === 0)
              throw this.refused(c, 'queued');
            s.insertAttempt.run({ task: c.task, attempt: c.attempt, source: c.source, at: c.at });
            s.event.run(
              c.at,
              c.task,
              'task:queued',
              JSON.stringify({ attempt: c.attempt, source: c.source }),
            );
            break;
          case 'started':
            if (s.startTask.run({ task: c.task, attempt: c.attempt, host: c.host, at: c.at }).changes === 0)
              throw this.refused(c, 'running');
            s.startAttempt.run({ task: c.task, attempt: c.attempt, pid: c.handle, host: c.host, at: c.at });
            s.event.run(
              c.at,
              c.task,
              'task:started',
              JSON.stringify({ attempt: c.attempt, handle: c.handle, host: c.host }),
            );
            break;
          case 'finished': {
            const o = c.outcome;
            const row = {
              task: c.task,
              attempt: c.attempt,
              status: c.status,
              exitCode: o.exitCode,
              signal: o.signal,
              reason: o.reason,
              startedAt: o.startedAt,
              endedAt: o.endedAt,
              host: o.host,
              detail: o.detail,
            };
            if (s.finishTask.get(c.status)!.run(row).changes === 0) throw this.refused(c, c.status);
            s.finishAttempt.run(row);
            s.event.run(
              o.endedAt ?? Date.now(),
              c.task,
              `task:${c.status}`,
              JSON.stringify({ attempt: c.attempt, ...o }),
            );
            break;
          }
          case 'reset':
            if (s.resetTask.run({ task: c.task }).changes === 0) throw this.refused(c, 'pending');
            s.event.run(c.at, c.task, 'task:reset', null);
            break;
        }
      }
    })();
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

  takeCancelRequests(): string[] {
    return this.cancelRequests.take();
  }

  // Records a sweep-level event (run started, interrupted, ...).
  recordEvent(kind: string, data: unknown = null): void {
    this.stmts.event.run(Date.now(), null, kind, data === null ? null : JSON.stringify(data));
  }

  getMeta(key: string): string | null {
    const row = this.stmts.getMeta.get(key) as { value: string } | undefined;
    return row ? row.value : null;
  }

  setMeta(key: string, value: string): void {
    this.stmts.setMeta.run(key, value);
  }

  counts(): StatusCounts {
    const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as StatusCounts;
    for (const r of this.stmts.counts.all() as { status: TaskStatus; n: number }[]) counts[r.status] = r.n;
    return counts;
  }

  countsBySource(): Record<string, StatusCounts> {
    const out: Record<string, StatusCounts> = {};
    for (const r of this.stmts.bySource.all() as { source: string | null; status: TaskStatus; n: number }[]) {
      if (r.source === null) continue;
      out[r.source] ??= Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as StatusCounts;
      out[r.source]![r.status] = r.n;
    }
    return out;
  }

  tasks(): TaskRow[] {
    return (this.stmts.allTasks.all() as RawTaskRow[]).map(toTaskRow);
  }

  /** Raw rows with params/argv still JSON text: for fast serialisation of large sweeps. */
  rawTasks(): RawTaskRow[] {
    return this.stmts.allTasks.all() as RawTaskRow[];
  }

  /** Rows with one of these statuses, in task order. */
  tasksWithStatus(statuses: readonly TaskStatus[]): TaskRow[] {
    const marks = statuses.map(() => '?').join(',');
    return (
      this.db
        .prepare(`SELECT * FROM tasks WHERE status IN (${marks}) ORDER BY idx`)
        .all(...statuses) as RawTaskRow[]
    ).map(toTaskRow);
  }

  /** Names of the tasks with one of these statuses, in task order (cheap for large sweeps). */
  taskNamesWithStatus(statuses: readonly TaskStatus[]): string[] {
    const marks = statuses.map(() => '?').join(',');
    return this.db
      .prepare(`SELECT name FROM tasks WHERE status IN (${marks}) ORDER BY idx`)
      .pluck()
      .all(...statuses) as string[];
  }

  /** Counts by status, by source and the finishing span (for an ETA), in one scan of the tasks. */
  summary(): SweepSummary {
    const builder = new SummaryBuilder();
    const rows = this.db
      .prepare(
        `SELECT status, source, COUNT(*), MIN(COALESCE(started_at, ended_at)), MAX(ended_at) FROM tasks GROUP BY source, status`,
      )
      .raw(true)
      .all() as [TaskStatus, string | null, number, number | null, number | null][];
    for (const [status, source, n, first, last] of rows) builder.add(status, source, first, last, n);
    return builder.result();
  }

  /** The `tasks` array of `hsm status --json` as JSON text, a page of rows at a time, built by SQLite
   * itself: 100,000 tasks in about 0.1 s. Names, keys and statuses are hsm's own words (no escaping
   * needed); other strings go through json_quote; params are stored as JSON already. Times are epoch
   * milliseconds (formatting 200,000 ISO dates would triple the cost). Pages are joined by ",\n". */
  *statusJsonPages(pageSize = 20_000): Generator<string> {
    const page = this.db
      .prepare(
        `SELECT group_concat(j, ',' || char(10)) FROM (
           SELECT '{"name":"' || name || '","key":"' || key || '","status":"' || status || '","source":' || json_quote(source)
             || ',"attempts":' || attempts || ',"exit_code":' || coalesce(exit_code, 'null')
             || ',"termination_reason":' || json_quote(reason) || ',"signal":' || json_quote(signal)
             || ',"started_at_ms":' || coalesce(started_at, 'null') || ',"ended_at_ms":' || coalesce(ended_at, 'null')
             || ',"host":' || json_quote(host) || ',"detail":' || json_quote(detail) || ',"params":' || params || '}' AS j
           FROM tasks WHERE idx > ? ORDER BY idx LIMIT ?)`,
      )
      .pluck();
    yield* this.pages(page, pageSize, '');
  }

  /** The `tasks:` entries of task_mapping.yaml, a page at a time, built by SQLite (params are JSON, which
   * YAML reads as a flow mapping): rewriting the mapping of 100,000 tasks holds no row objects. */
  *mappingYamlPages(pageSize = 20_000): Generator<string> {
    const page = this.db
      .prepare(
        `SELECT group_concat(j, char(10)) FROM (
           SELECT '  ' || name || ':' || char(10) || '    key: ' || key || char(10) || '    status: ' || status || char(10)
             || '    source: ' || json_quote(source) || char(10) || '    attempts: ' || attempts || char(10)
             || '    params: ' || params AS j
           FROM tasks WHERE idx > ? ORDER BY idx LIMIT ?)`,
      )
      .pluck();
    yield* this.pages(page, pageSize, '\n');
  }

  // Runs a page query (`idx > ?` ... `LIMIT ?`) until it returns nothing, keyed on the last idx seen.
  private *pages(page: Database.Statement, pageSize: number, suffix: string): Generator<string> {
    const lastIdx = this.db
      .prepare(`SELECT MAX(idx) FROM (SELECT idx FROM tasks WHERE idx > ? ORDER BY idx LIMIT ?)`)
      .pluck();
    for (let after = 0; ;) {
      const text = page.get(after, pageSize) as string | null;
      if (!text) return;
      yield text + suffix;
      after = lastIdx.get(after, pageSize) as number;
    }
  }

  /** The first task of the sweep (its program is the sweep's), null for an empty sweep. */
  firstTask(): TaskRow | null {
    const r = this.db.prepare(`SELECT * FROM tasks ORDER BY idx LIMIT 1`).get() as RawTaskRow | undefined;
    return r ? toTaskRow(r) : null;
  }

  /** Runs `read` in one read transaction: every query in it sees the same state of the store (WAL
   * keeps that snapshot while a run commits), so counts and rows read in it agree. */
  snapshot<T>(read: () => T): T {
    if (this.db.inTransaction) return read();
    this.db.exec('BEGIN');
    try {
      return read();
    } finally {
      this.db.exec('COMMIT');
    }
  }

  task(name: string): TaskRow | null {
    const r = this.stmts.taskByName.get(name) as RawTaskRow | undefined;
    return r ? toTaskRow(r) : null;
  }

  /** The handle its source gave an attempt when it started (kept in the `pid` column), or null. */
  attemptHandle(task: string, attempt: number): string | null {
    const r = this.stmts.attemptPid.get(task, attempt) as { pid: number | string | null } | undefined;
    return r?.pid === null || r?.pid === undefined ? null : String(r.pid);
  }

  close(): void {
    this.db.close();
  }
}

function sqlList(statuses: readonly TaskStatus[]): string {
  return statuses.map((x) => `'${x}'`).join(', ');
}

function storeOpenError(path: string, err: unknown): HsmError {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT') || /no such table/.test(String(err))) {
    return new HsmError('infra', `the sweep store ${path} is damaged (not a readable hsm store)`, {
      evidence: (err as Error).message,
      hint: "restore sweep.db from a copy of the sweep directory; the task directories under tasks/ still hold each task's output and exit record",
      cause: err,
    });
  }
  return new HsmError('not_found', `cannot open the sweep store ${path}`, {
    evidence: (err as Error).message,
    hint: 'check the sweep id (`hsm recent` lists sweeps) and that the sweep directory is intact',
    cause: err,
  });
}

// A read-only connection to a WAL store needs the shared-memory index (sweep.db-shm). While a run
// writes the store it exists and SQLite reads it without writing; when no run is active it is gone,
// and creating it fails in a directory the user cannot write (SQLITE_READONLY_DIRECTORY). Then the
// database file holds every commit (the last connection checkpointed the log into it) and is read
// as an in-memory copy, marked as a rollback-journal file so that SQLite needs no index.
function readableInPlace(db: Database.Database, path: string): Database.Database {
  try {
    db.prepare('SELECT 1 FROM meta LIMIT 1').get();
    return db;
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code !== 'SQLITE_READONLY_DIRECTORY' && code !== 'SQLITE_CANTOPEN') throw err;
    db.close();
    const image = readFileSync(path);
    // bytes 18-19: the file format versions, 2 = WAL
    if (image.length >= 20 && image[18] === 2 && image[19] === 2) image[18] = image[19] = 1;
    return new Database(image, { readonly: true });
  }
}

export type { RawTaskRow };

export type { TaskRow, TaskChange, StatusCounts };

import type Database from 'better-sqlite3';
import type { EngineStore, StatusCounts, TaskChange, TaskRow } from '../engine/ports.js';
import { TASK_STATUSES, type TaskSpec, type TaskStatus } from '../domain/task.js';
import { SummaryBuilder, type SweepSummary } from './sweep-summary.js';
import { TaskFindings } from './task-findings.js';
import { TaskTable } from './task-table.js';
import { CancelRequests } from './cancel-requests.js';
import { openStoreDatabase, type StoreOpenOptions } from './store-open.js';
import { TaskChanges } from './task-changes.js';
import { toTaskRow, type RawTaskRow } from './task-row.js';
import { mappingYamlPages, statusJsonPages } from './store-pages.js';

// The sweep store: tasks, attempts and events of one sweep in SQLite (WAL, so readers never block the
// writer). Every state change goes through here (task-changes.ts) and is committed before the engine
// acts on it. Opening the file is store-open.ts; the whole-table text views are store-pages.ts.

export class SweepStore implements EngineStore {
  private readonly db: Database.Database;
  /** Causes of failures and reported metrics (task-findings.ts). */
  readonly findings: TaskFindings;
  /** Pages of the task table, filtered and sorted in SQL (task-table.ts). */
  readonly table: TaskTable;
  /** Single tasks another process asked to cancel (cancel-requests.ts). */
  readonly cancelRequests: CancelRequests;
  /** Task state changes, committed a batch at a time (task-changes.ts). */
  private readonly changes: TaskChanges;
  private readonly stmts;

  private constructor(db: Database.Database) {
    this.db = db;
    this.findings = new TaskFindings(db);
    this.table = new TaskTable(db);
    this.cancelRequests = new CancelRequests(db);
    this.changes = new TaskChanges(db);
    this.stmts = {
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
  static open(path: string, options: StoreOpenOptions = {}): SweepStore {
    return new SweepStore(openStoreDatabase(path, options));
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

  // Applies many task changes atomically, recording each as an event; a change the transition table
  // does not allow is refused with the whole batch (task-changes.ts).
  // The metrics of attempts that ended (queued by the run) are committed in the same transaction.
  apply(changes: readonly TaskChange[]): void {
    const metrics = this.findings.queuedMetrics;
    if (metrics === 0) return this.changes.apply(changes);
    this.changes.apply(changes, () => this.findings.writeQueuedMetrics(metrics));
    this.findings.committedQueuedMetrics(metrics);
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

  /** The `tasks` array of `hsm status --json` as JSON text, a page of rows at a time (store-pages.ts). */
  statusJsonPages(pageSize?: number): Generator<string> {
    return statusJsonPages(this.db, pageSize);
  }

  /** The `tasks:` entries of task_mapping.yaml, a page at a time (store-pages.ts). */
  mappingYamlPages(pageSize?: number): Generator<string> {
    return mappingYamlPages(this.db, pageSize);
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

export type { RawTaskRow };

export type { TaskRow, TaskChange, StatusCounts };

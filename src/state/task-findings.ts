import type Database from 'better-sqlite3';
import type { TaskStatus, TerminationReason } from '../domain/task.js';
import { metricKeysRecorder, trackMetricKeys } from './result-keys.js';
import { readResultsJson, type MetricsJson, type SelectResults } from './results-json.js';

// What hsm learned from each task's latest attempt, kept in the store beside the task so that
// `hsm errors` and `hsm results` on 100,000 tasks read one table instead of 100,000 directories:
// the cause of a failure (diagnose/) and the metrics the task reported. One row per task: a new
// attempt replaces the row of the one before (rows name their attempt; readers match it).

const FINDINGS_SQL = `
CREATE TABLE IF NOT EXISTS task_failures (
  task_idx     INTEGER PRIMARY KEY,
  attempt      INTEGER NOT NULL,
  category     TEXT NOT NULL,
  fingerprint  TEXT NOT NULL,
  evidence     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS task_metrics (
  task_idx     INTEGER PRIMARY KEY,
  attempt      INTEGER NOT NULL,
  metrics      TEXT NOT NULL
);
`;

/** A task that did not complete, with the recorded cause of its latest attempt (null: none recorded). */
export interface FailedTaskRow {
  name: string;
  /** JSON text. */
  params: string;
  host: string | null;
  status: TaskStatus;
  reason: TerminationReason | null;
  exitCode: number | null;
  signal: string | null;
  detail: string | null;
  attempts: number;
  cause: { category: string; fingerprint: string; evidence: string } | null;
}

/** Raw rows for `hsm results`: [name, status, params JSON, metrics JSON or null (none recorded)]. */
export type MetricsRow = [string, TaskStatus, string, string | null];

/** The metrics an attempt reported. */
export interface MetricsEntry {
  task: string;
  attempt: number;
  metrics: Record<string, unknown>;
}

export class TaskFindings {
  private readonly hasTables: boolean;
  private readonly queued: MetricsEntry[] = [];
  private statements: {
    failure: Database.Statement;
    metrics: Database.Statement;
    metricKeys: (task: string, metrics: Record<string, unknown>) => void;
  } | null = null;

  constructor(private readonly db: Database.Database) {
    if (!db.readonly) {
      db.exec(FINDINGS_SQL);
      trackMetricKeys(db);
    }
    // a store written by an older hsm and opened read-only has no such tables: nothing recorded
    this.hasTables =
      db.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE name='task_failures'`).pluck().get() === 1;
  }

  recordFailure(
    task: string,
    attempt: number,
    cause: { category: string; fingerprint: string; evidence: string },
  ): void {
    this.prepared().failure.run({ task, attempt, ...cause });
  }

  /** Records the metrics of many attempts in one transaction (a busy sweep ends many tasks a second). */
  recordMetrics(entries: readonly MetricsEntry[]): void {
    this.db.transaction(() => this.writeMetrics(entries))();
  }

  /** Keeps an ended attempt's metrics for the store's next transaction (the run's round, which
   * commits the attempt's end: one commit for both), or for `flushMetrics`. */
  queueMetrics(entry: MetricsEntry): void {
    this.queued.push(entry);
  }

  /** Metrics queued and not committed yet. */
  get queuedMetrics(): number {
    return this.queued.length;
  }

  /** Writes the first `n` queued metrics, inside the caller's transaction; `committed` drops them. */
  writeQueuedMetrics(n: number): void {
    this.writeMetrics(this.queued.slice(0, n));
  }

  committedQueuedMetrics(n: number): void {
    this.queued.splice(0, n);
  }

  /** Writes what is queued in a transaction of its own (no round commits it). */
  flushMetrics(): void {
    const n = this.queued.length;
    if (n === 0) return;
    this.recordMetrics(this.queued.slice(0, n));
    this.queued.splice(0, n);
  }

  private writeMetrics(entries: readonly MetricsEntry[]): void {
    const { metrics, metricKeys } = this.prepared();
    for (const e of entries) {
      metrics.run(e.attempt, JSON.stringify(e.metrics), e.task);
      metricKeys(e.task, e.metrics);
    }
  }

  /**
   * Tasks failed, lost or cancelled, in task order, with the cause recorded for their latest attempt;
   * only the named ones when `names` is given (a few, for `hsm status --watch`).
   */
  failedTasks(names?: readonly string[]): FailedTaskRow[] {
    const join = this.hasTables
      ? `LEFT JOIN task_failures f ON f.task_idx = t.idx AND f.attempt = t.attempts`
      : `LEFT JOIN (SELECT NULL AS category, NULL AS fingerprint, NULL AS evidence) f ON 0`;
    const rows = this.db
      .prepare(
        `SELECT t.name, t.params, t.host, t.status, t.reason, t.exit_code, t.signal, t.detail, t.attempts,
                f.category, f.fingerprint, f.evidence
         FROM tasks t ${join} WHERE t.status IN ('failed', 'lost', 'cancelled')
         ${names ? `AND t.name IN (${names.map(() => '?').join(',') || 'NULL'})` : ''} ORDER BY t.idx`,
      )
      .raw(true)
      .all(...(names ?? [])) as [
      string,
      string,
      string | null,
      TaskStatus,
      TerminationReason | null,
      number | null,
      string | null,
      string | null,
      number,
      string | null,
      string | null,
      string | null,
    ][];
    return rows.map((r) => ({
      name: r[0],
      params: r[1],
      host: r[2],
      status: r[3],
      reason: r[4],
      exitCode: r[5],
      signal: r[6],
      detail: r[7],
      attempts: r[8],
      cause: r[9] === null ? null : { category: r[9], fingerprint: r[10]!, evidence: r[11]! },
    }));
  }

  /** [params JSON, host] of every task: the sweep a group of failures is compared with. */
  taskTraits(): [string, string | null][] {
    return this.db.prepare(`SELECT params, host FROM tasks`).raw(true).all() as [string, string | null][];
  }

  /** Every task with the metrics recorded for its latest attempt, in task order. */
  metricsRows(): MetricsRow[] {
    const metrics = this.hasTables
      ? `(SELECT m.metrics FROM task_metrics m WHERE m.task_idx = t.idx AND m.attempt = t.attempts)`
      : 'NULL';
    return this.db
      .prepare(`SELECT t.name, t.status, t.params, ${metrics} FROM tasks t ORDER BY t.idx`)
      .raw(true)
      .all() as MetricsRow[];
  }

  /**
   * `metricsRows()` (or the tasks `select` keeps, in its order) as JSON text made by SQLite, for
   * `hsm results --json` on 100,000 tasks (results-json.ts); null when the caller must read the rows.
   */
  metricsJson(
    metric: { name: string; goal: 'min' | 'max' } | null,
    select?: SelectResults,
  ): MetricsJson | null {
    return this.hasTables ? readResultsJson(this.db, metric, select) : null;
  }

  private prepared() {
    this.statements ??= {
      failure: this.db.prepare(
        `INSERT OR REPLACE INTO task_failures (task_idx, attempt, category, fingerprint, evidence)
         SELECT idx, @attempt, @category, @fingerprint, @evidence FROM tasks WHERE name = @task`,
      ),
      // one a task: positional (named parameters bind slower: task-changes.ts)
      metrics: this.db.prepare(
        `INSERT OR REPLACE INTO task_metrics (task_idx, attempt, metrics)
         SELECT idx, ?, ? FROM tasks WHERE name = ?`,
      ),
      metricKeys: metricKeysRecorder(this.db),
    };
    return this.statements;
  }
}

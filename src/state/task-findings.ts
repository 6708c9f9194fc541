import type Database from 'better-sqlite3';
import type { TaskStatus, TerminationReason } from '../domain/task.js';
import { metricKeysRecorder, readMetricKeys, readParamKeys, trackMetricKeys } from './result-keys.js';

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

/** Every task of `metricsRows()` as JSON text, with the keys seen and the best task's row. */
export interface MetricsJson {
  total: number;
  /** `{"name","status","params","metrics"}` objects, comma-separated, in task order. */
  tasks: string;
  /** Parameter and metric names in first-seen order. */
  paramKeys: string[];
  metricKeys: string[];
  /** [name, metrics JSON] of the best completed task by the metric, or null. */
  best: [string, string] | null;
}

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
      metrics.run({ task: e.task, attempt: e.attempt, metrics: JSON.stringify(e.metrics) });
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
   * `metricsRows()` as JSON text made by SQLite, for `hsm results --json` on 100,000 tasks: one
   * string instead of four per task to build, parse and write back. Null when a task needs more
   * than the store holds (ended with no metrics recorded: read from its directory; metrics that are
   * not a JSON object): the caller then reads the rows.
   */
  metricsJson(metric: { name: string; goal: 'min' | 'max' } | null): MetricsJson | null {
    if (!this.hasTables || (metric && /["\\]/.test(metric.name))) return null;
    const latest = `LEFT JOIN task_metrics m ON m.task_idx = t.idx AND m.attempt = t.attempts`;
    // hsm records metrics as JSON.stringify wrote an object: text that is not one (a damaged store)
    // stops SQLite's JSON functions ("malformed JSON"), and then the caller reads the rows
    try {
      return this.db.transaction(() => this.metricsJsonIn(latest, metric))();
    } catch (err) {
      if (/malformed JSON/i.test((err as Error).message)) return null;
      throw err;
    }
  }

  private metricsJsonIn(
    latest: string,
    metric: { name: string; goal: 'min' | 'max' } | null,
  ): MetricsJson | null {
    const [total, incomplete] = this.db
      .prepare(
        `SELECT COUNT(*), COALESCE(SUM(CASE WHEN m.metrics IS NULL THEN t.status NOT IN ('pending', 'queued')
             ELSE substr(m.metrics, 1, 1) <> '{' END), 0) FROM tasks t ${latest}`,
      )
      .raw(true)
      .get() as [number, number];
    if (incomplete > 0) return null;
    const tasks = this.db
      .prepare(
        `SELECT COALESCE(group_concat('{"name":' || json_quote(t.name) || ',"status":' || json_quote(t.status)
             || ',"params":' || t.params || ',"metrics":'
             || CASE WHEN m.metrics IS NULL OR m.metrics = '{}' THEN 'null' ELSE m.metrics END || '}',
             ',' ORDER BY t.idx), '')
           FROM tasks t ${latest}`,
      )
      .pluck()
      .get() as string;
    // first-seen order: a key's first task, then its place in that task's object
    const keys = (column: string, from: string) =>
      this.db
        .prepare(
          `SELECT j.key FROM ${from}, json_each(${column}) j GROUP BY j.key ORDER BY MIN((t.idx << 32) + j.id)`,
        )
        .pluck()
        .all() as string[];
    let best: [string, string] | null = null;
    if (metric) {
      const path = `'$."${metric.name.replace(/'/g, "''")}"'`;
      best =
        (this.db
          .prepare(
            `SELECT t.name, m.metrics FROM tasks t JOIN task_metrics m ON m.task_idx = t.idx AND m.attempt = t.attempts
               WHERE t.status = 'completed' AND json_type(m.metrics, ${path}) IN ('integer', 'real')
                 AND abs(json_extract(m.metrics, ${path})) <= 1.7976931348623157e308
               ORDER BY json_extract(m.metrics, ${path}) ${metric.goal === 'min' ? 'ASC' : 'DESC'}, t.idx LIMIT 1`,
          )
          .raw(true)
          .get() as [string, string] | undefined) ?? null;
    }
    return {
      total,
      tasks,
      paramKeys: readParamKeys(this.db) ?? keys('t.params', 'tasks t'),
      metricKeys:
        readMetricKeys(this.db) ??
        keys('m.metrics', 'tasks t JOIN task_metrics m ON m.task_idx = t.idx AND m.attempt = t.attempts'),
      best,
    };
  }

  private prepared() {
    this.statements ??= {
      failure: this.db.prepare(
        `INSERT OR REPLACE INTO task_failures (task_idx, attempt, category, fingerprint, evidence)
         SELECT idx, @attempt, @category, @fingerprint, @evidence FROM tasks WHERE name = @task`,
      ),
      metrics: this.db.prepare(
        `INSERT OR REPLACE INTO task_metrics (task_idx, attempt, metrics)
         SELECT idx, @attempt, @metrics FROM tasks WHERE name = @task`,
      ),
      metricKeys: metricKeysRecorder(this.db),
    };
    return this.statements;
  }
}

import type Database from 'better-sqlite3';
import { HsmError } from '../domain/errors.js';
import { TASK_STATUSES, type TaskStatus } from '../domain/task.js';
import { SortKeys } from './sort-keys.js';

// One page of a sweep's task table, filtered and sorted by SQLite (the dashboard's table): a page of
// a 100,000-task sweep never brings the other rows into JavaScript. Sorting uses SQLite's top-N
// sorter (ORDER BY ... LIMIT keeps only offset + limit rows while it scans); filters on status, source
// and name are plain columns, on params and metrics `json_extract`. No index on status: every status
// change of a run would pay for it (schema.sql.ts), and a scan of 100,000 rows takes milliseconds.

export type TableCondition = {
  key: string;
  op: '>' | '>=' | '<' | '<=' | '=' | '!=';
  value: string | number | boolean | null;
};

export interface TaskTableQuery {
  statuses?: readonly TaskStatus[];
  source?: string;
  /** Part of a task name. */
  name?: string;
  /** `hsm results --where` conditions: `params.x`, `metrics.x`, or a bare key (metric first). */
  where?: readonly TableCondition[];
  /** name (default), status, source, attempts, duration, reason, started, ended, host, or a param/metric key. */
  sort?: string;
  descending?: boolean;
  offset?: number;
  limit?: number;
}

/** [name, status, source, started_at, ended_at]. */
export type SummaryRow = [string, TaskStatus, string | null, number | null, number | null];

/** A row as SQLite returns it: params and metrics still JSON text. */
export interface TaskTableRawRow {
  name: string;
  status: TaskStatus;
  source: string | null;
  attempts: number;
  reason: string | null;
  exit_code: number | null;
  host: string | null;
  started_at: number | null;
  ended_at: number | null;
  params: string;
  metrics: string | null;
}

const COLUMNS: Record<string, string> = {
  name: 't.idx',
  status: 't.status',
  source: 't.source',
  attempts: 't.attempts',
  duration: '(t.ended_at - t.started_at)',
  reason: 't.reason',
  started: 't.started_at',
  ended: 't.ended_at',
  host: 't.host',
  exit_code: 't.exit_code',
};

const KEY = /^[A-Za-z_][\w.-]*$/;
const METRICS_JOIN = 'LEFT JOIN task_metrics m ON m.task_idx = t.idx AND m.attempt = t.attempts';

// The SQL value of a key: a column, or a parameter / metric read from the row's JSON.
function valueSql(key: string, metricsJoined: boolean): string {
  const column = COLUMNS[key];
  if (column) return column;
  if (!KEY.test(key))
    throw new HsmError('usage', `"${key}" is not a column, parameter or metric name`, {
      hint: `columns: ${Object.keys(COLUMNS).join(', ')}; parameters and metrics as params.NAME, metrics.NAME`,
    });
  const metric = (k: string) => (metricsJoined ? `json_extract(m.metrics, '$."${k}"')` : 'NULL');
  const param = (k: string) => `json_extract(t.params, '$."${k}"')`;
  if (key.startsWith('metrics.')) return metric(key.slice(8));
  if (key.startsWith('params.')) return param(key.slice(7));
  return `COALESCE(${metric(key)}, ${param(key)})`;
}

export class TaskTable {
  private readonly hasMetrics: boolean;
  private readonly counts = new Map<string, { eventId: number; total: number }>();
  private readonly keys: SortKeys;

  constructor(private readonly db: Database.Database) {
    this.hasMetrics =
      db.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE name='task_metrics'`).pluck().get() === 1;
    this.keys = new SortKeys(db, METRICS_JOIN);
  }

  /** The rows of one page and how many rows match the filters in all. */
  page(query: TaskTableQuery): { total: number; rows: TaskTableRawRow[] } {
    const where: string[] = [];
    const args: (string | number | null)[] = [];
    if (query.statuses && query.statuses.length > 0) {
      for (const s of query.statuses)
        if (!(TASK_STATUSES as readonly string[]).includes(s))
          throw new HsmError('usage', `unknown status "${s}"`, {
            hint: `statuses: ${TASK_STATUSES.join(', ')}`,
          });
      where.push(`t.status IN (${query.statuses.map(() => '?').join(',')})`);
      args.push(...query.statuses);
    }
    if (query.source !== undefined && query.source !== '') {
      where.push('t.source = ?');
      args.push(query.source);
    }
    if (query.name !== undefined && query.name !== '') {
      where.push(`instr(t.name, ?) > 0`);
      args.push(query.name);
    }
    const version = this.lastEventId();
    // a parameter or metric is read from its indexed key table (sort-keys.ts), a column as it is
    const keyed = (key: string): { sql: string; table: string | null } => {
      const sql = valueSql(key, this.hasMetrics);
      if (key === 'name') return { sql, table: null };
      const table = this.keys.table(sql, version, (after, limit) => this.changedSince(after, limit));
      return { sql: `(SELECT v FROM temp.${table} WHERE idx = t.idx)`, table };
    };
    for (const c of query.where ?? []) {
      const v = COLUMNS[c.key] ? valueSql(c.key, this.hasMetrics) : keyed(c.key).sql;
      if (c.value === null) where.push(c.op === '!=' ? `${v} IS NOT NULL` : `${v} IS NULL`);
      else if (c.op === '=' || c.op === '!=') {
        where.push(c.op === '=' ? `${v} = ?` : `(${v} IS NULL OR ${v} != ?)`);
        args.push(typeof c.value === 'boolean' ? Number(c.value) : c.value);
      } else {
        where.push(`${v} ${c.op} ?`);
        args.push(typeof c.value === 'boolean' ? Number(c.value) : c.value);
      }
    }
    const metricsJoin = this.hasMetrics ? METRICS_JOIN : '';
    const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const sort = keyed(query.sort ?? 'name');
    const dir = query.descending ? 'DESC' : 'ASC';
    // task order reads the table in rowid order (no sort); any other key reads its key table in index
    // order (CROSS JOIN keeps it the outer loop), stopping at the page's end. Rows without the value
    // last either way, then task order for a stable page.
    let from = `tasks t ${metricsJoin}`;
    let order = `ORDER BY t.idx ${dir}`;
    if (sort.table) {
      from = `temp.${sort.table} k CROSS JOIN tasks t ON t.idx = k.idx ${metricsJoin}`;
      order = `ORDER BY k.n, k.v ${dir}, k.idx ${dir}`;
    }
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const offset = Math.max(query.offset ?? 0, 0);
    const metricsCol = this.hasMetrics ? 'm.metrics' : 'NULL';
    const rows = this.db
      .prepare(
        `SELECT t.name, t.status, t.source, t.attempts, t.reason, t.exit_code, t.host, t.started_at, t.ended_at,
                t.params, ${metricsCol} AS metrics
         FROM ${from} ${whereSql} ${order} LIMIT ? OFFSET ?`,
      )
      .all(...args, limit, offset) as TaskTableRawRow[];
    return { total: this.count(whereSql, args, metricsJoin), rows };
  }

  // How many rows match, counted again only when the store has changed since the last count of the
  // same filter (paging and sorting one filter costs one count).
  private count(whereSql: string, args: readonly (string | number | null)[], metricsJoin: string): number {
    const cacheKey = JSON.stringify([whereSql, args]);
    const eventId = this.lastEventId();
    const cached = this.counts.get(cacheKey);
    if (cached && cached.eventId === eventId) return cached.total;
    // the joined table is needed only when a condition reads a metric
    const join = /\bm\.metrics\b/.test(whereSql) ? metricsJoin : '';
    const total = this.db
      .prepare(`SELECT COUNT(*) FROM tasks t ${join} ${whereSql}`)
      .pluck()
      .get(...args) as number;
    if (this.counts.size >= 32) this.counts.clear();
    this.counts.set(cacheKey, { eventId, total });
    return total;
  }

  /** One task's row, or null. */
  row(name: string): TaskTableRawRow | null {
    const metricsCol = this.hasMetrics
      ? '(SELECT m.metrics FROM task_metrics m WHERE m.task_idx = t.idx AND m.attempt = t.attempts)'
      : 'NULL';
    const r = this.db
      .prepare(
        `SELECT t.name, t.status, t.source, t.attempts, t.reason, t.exit_code, t.host, t.started_at, t.ended_at,
                t.params, ${metricsCol} AS metrics FROM tasks t WHERE t.name = ?`,
      )
      .get(name) as TaskTableRawRow | undefined;
    return r ?? null;
  }

  /** The sources tasks ran on (for the table's source filter). */
  sources(): string[] {
    return this.db
      .prepare(`SELECT DISTINCT source FROM tasks WHERE source IS NOT NULL ORDER BY source`)
      .pluck()
      .all() as string[];
  }

  /**
   * [name, status, source, started_at, ended_at] of every task (`afterId` null), or of the tasks the
   * events in (afterId, upTo] name: what a live summary needs to follow the store (live-summary.ts).
   */
  summaryRows(afterId: number | null, upTo: number): SummaryRow[] {
    const columns = `SELECT t.name, t.status, t.source, t.started_at, t.ended_at FROM tasks t`;
    const stmt =
      afterId === null
        ? this.db.prepare(columns)
        : this.db.prepare(
            `${columns} WHERE t.name IN (SELECT task FROM events WHERE id > ? AND id <= ? AND task IS NOT NULL)`,
          );
    return stmt.raw(true).all(...(afterId === null ? [] : [afterId, upTo])) as SummaryRow[];
  }

  /** The id of the latest event: it changes whenever the store records a change. */
  lastEventId(): number {
    return (this.db.prepare(`SELECT COALESCE(MAX(id), 0) FROM events`).pluck().get() as number) ?? 0;
  }

  /** Tasks named by the events after `afterId` (at most `limit` names; `more` when there were more)
   * and the id of the latest event. */
  changedSince(afterId: number, limit = 1000): { lastId: number; tasks: string[]; more: boolean } {
    const lastId = this.lastEventId();
    if (lastId <= afterId) return { lastId, tasks: [], more: false };
    const tasks = this.db
      .prepare(`SELECT DISTINCT task FROM events WHERE id > ? AND id <= ? AND task IS NOT NULL LIMIT ?`)
      .pluck()
      .all(afterId, lastId, limit + 1) as string[];
    return { lastId, tasks: tasks.slice(0, limit), more: tasks.length > limit };
  }

  /** Every attempt of a task, oldest first. */
  attemptsOf(task: string): AttemptRawRow[] {
    return this.db
      .prepare(
        `SELECT a.attempt, a.source, a.status, a.pid AS handle, a.host, a.queued_at, a.started_at, a.ended_at,
                a.exit_code, a.signal, a.reason, a.detail
         FROM attempts a JOIN tasks t ON t.idx = a.task_idx WHERE t.name = ? ORDER BY a.attempt`,
      )
      .all(task) as AttemptRawRow[];
  }
}

export interface AttemptRawRow {
  attempt: number;
  source: string;
  status: TaskStatus;
  handle: string | number | null;
  host: string | null;
  queued_at: number;
  started_at: number | null;
  ended_at: number | null;
  exit_code: number | null;
  signal: string | null;
  reason: string | null;
  detail: string | null;
}

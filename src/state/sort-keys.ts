import type Database from 'better-sqlite3';

// The value of a parameter or metric for every task, kept in a TEMP table of the reading connection
// (TEMP tables work on a read-only connection and never touch the sweep's files), indexed, so the
// task table sorts and filters 100,000 tasks by it without parsing 100,000 JSON texts per request.
// Also for columns (duration, status...), which change only with an event. Parameters never change;
// other values are refreshed for the tasks whose events came after the table's version, and a
// metric's whole table is read again when it is older than REBUILD_MS (a task's metrics are recorded
// just after its event) or when too many tasks changed.

interface Entry {
  name: string;
  usesMetrics: boolean;
  /** Its value can change (not a parameter's). */
  mutable: boolean;
  version: number;
  builtAt: number;
}

const MAX_UPDATES = 2000;
const REBUILD_MS = 10_000;

export class SortKeys {
  private readonly tables = new Map<string, Entry>();

  constructor(
    private readonly db: Database.Database,
    private readonly metricsJoin: string,
  ) {}

  /**
   * The table of `valueSql` (an expression over `t` = tasks and `m` = task_metrics) at store version
   * `version`; `changedSince` names the tasks changed after a version.
   */
  table(
    valueSql: string,
    version: number,
    changedSince: (after: number, limit: number) => { tasks: string[]; more: boolean },
  ): string {
    const usesMetrics = /\bm\.metrics\b/.test(valueSql);
    let entry = this.tables.get(valueSql);
    if (!entry) {
      const mutable = !/^json_extract\(t\.params, '[^']*'\)$/.test(valueSql);
      entry = { name: `hsm_key_${this.tables.size + 1}`, usesMetrics, mutable, version, builtAt: Date.now() };
      this.db.exec(`CREATE TEMP TABLE ${entry.name} (idx INTEGER PRIMARY KEY, n INTEGER NOT NULL, v)`);
      this.fill(entry, valueSql, '');
      this.db.exec(`CREATE INDEX temp.${entry.name}_a ON ${entry.name} (n, v, idx)`);
      this.db.exec(`CREATE INDEX temp.${entry.name}_d ON ${entry.name} (n, v DESC, idx DESC)`);
      this.tables.set(valueSql, entry);
      return entry.name;
    }
    if (entry.mutable && entry.version !== version) {
      const changed = changedSince(entry.version, MAX_UPDATES);
      if (changed.more || (entry.usesMetrics && Date.now() - entry.builtAt > REBUILD_MS)) {
        this.db.exec(`DELETE FROM temp.${entry.name}`);
        this.fill(entry, valueSql, '');
        entry.builtAt = Date.now();
      } else if (changed.tasks.length > 0) {
        const marks = changed.tasks.map(() => '?').join(',');
        this.fill(entry, valueSql, `WHERE t.name IN (${marks})`, changed.tasks);
      }
      entry.version = version;
    }
    return entry.name;
  }

  private fill(entry: Entry, valueSql: string, where: string, args: string[] = []): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO temp.${entry.name} (idx, n, v)
         SELECT idx, v IS NULL, v FROM (SELECT t.idx AS idx, ${valueSql} AS v FROM tasks t ${entry.usesMetrics ? this.metricsJoin : ''} ${where})`,
      )
      .run(...args);
  }
}

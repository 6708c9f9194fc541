import type Database from 'better-sqlite3';

// The parameter and metric names `hsm results` lists (first-seen order: by task, then place in the
// task's object), kept in the store as they arise, so that `hsm results --json` on 100,000 tasks
// need not read the keys of 100,000 JSON texts (json_each: over half of its time). Stores from an
// older hsm lack them: the caller then reads the keys from the texts.

/**
 * The store's `meta` entry with the sweep's parameter names in first-seen order (JSON), written
 * when its tasks are created (sweep-directory.ts): the tasks never change after, and reading the
 * names back from 100,000 params texts is a quarter of `hsm results --json`. Older sweeps lack it.
 */
export const PARAM_KEYS_META = 'param_keys';

/** Parameter names in first-seen order (by task index, then place in the task's params), task by task. */
export class ParamKeys {
  private readonly first = new Map<string, [number, number]>();

  add(task: { index: number; params: object }): void {
    Object.keys(task.params).forEach((k, i) => {
      const seen = this.first.get(k);
      if (!seen || task.index < seen[0] || (task.index === seen[0] && i < seen[1]))
        this.first.set(k, [task.index, i]);
    });
  }

  keys(): string[] {
    return [...this.first].sort((a, b) => a[1][0] - b[1][0] || a[1][1] - b[1][1]).map(([k]) => k);
  }
}

/** The parameter names recorded when the sweep's tasks were created, or null. */
export function readParamKeys(db: Database.Database): string[] | null {
  const text = db.prepare(`SELECT value FROM meta WHERE key = ?`).pluck().get(PARAM_KEYS_META) as
    string | undefined;
  return text === undefined ? null : (JSON.parse(text) as string[]);
}

// Every metric name any recorded attempt reported, with the first task (lowest index) that did.
// The lowest index over every record ever made is at most the lowest among the latest attempts;
// when that task's latest attempt still reports the name, the two are equal (readMetricKeys).
const METRIC_KEYS_SQL = `CREATE TABLE IF NOT EXISTS metric_keys (key TEXT PRIMARY KEY, task_idx INTEGER NOT NULL)`;
const UPSERT = `ON CONFLICT(key) DO UPDATE SET task_idx = MIN(task_idx, excluded.task_idx)`;

/**
 * Creates the metric-name table of a store opened for writing, filled from the metrics already
 * recorded (a sweep begun by an older hsm). Leaves it absent when those cannot be read.
 */
export function trackMetricKeys(db: Database.Database): void {
  if (db.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'metric_keys'`).pluck().get() === 1) return;
  try {
    db.transaction(() => {
      db.exec(METRIC_KEYS_SQL);
      db.exec(
        `INSERT INTO metric_keys (key, task_idx)
         SELECT j.key, MIN(m.task_idx) FROM task_metrics m, json_each(m.metrics) j WHERE true GROUP BY j.key ${UPSERT}`,
      );
    })();
  } catch (err) {
    if (!/malformed JSON/i.test((err as Error).message)) throw err;
  }
}

/** Records the names of one task's metrics (inside the transaction that records them). */
export function metricKeysRecorder(
  db: Database.Database,
): (task: string, metrics: Record<string, unknown>) => void {
  const has = db.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'metric_keys'`).pluck().get() === 1;
  if (!has) return () => {};
  const stmt = db.prepare(
    `INSERT INTO metric_keys (key, task_idx) SELECT ?, idx FROM tasks WHERE name = ? ${UPSERT}`,
  );
  return (task, metrics) => {
    for (const key of Object.keys(metrics)) stmt.run(key, task);
  };
}

/**
 * The metric names of the tasks' latest attempts in first-seen order, from the table; null when
 * it is absent, or a name's first task no longer reports it in its latest attempt (a task run
 * again): then only reading every task's metrics can tell.
 */
export function readMetricKeys(db: Database.Database): string[] | null {
  if (db.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'metric_keys'`).pluck().get() !== 1)
    return null;
  const rows = db
    .prepare(
      `SELECT k.key, k.task_idx, m.metrics FROM metric_keys k
       LEFT JOIN tasks t ON t.idx = k.task_idx
       LEFT JOIN task_metrics m ON m.task_idx = t.idx AND m.attempt = t.attempts`,
    )
    .raw(true)
    .all() as [string, number, string | null][];
  const placed: [string, number, number][] = [];
  const parsed = new Map<number, string[]>();
  for (const [key, idx, metrics] of rows) {
    if (metrics === null) return null;
    let keys = parsed.get(idx);
    if (!keys) {
      try {
        keys = Object.keys(JSON.parse(metrics) as object);
      } catch {
        return null; // not as hsm writes it: the caller reads every task's text
      }
      parsed.set(idx, keys);
    }
    const at = keys.indexOf(key);
    if (at < 0) return null;
    placed.push([key, idx, at]);
  }
  return placed.sort((a, b) => a[1] - b[1] || a[2] - b[2]).map(([key]) => key);
}

import type Database from 'better-sqlite3';

// Views of the whole task table built as text by SQLite itself, a page of rows at a time, so that
// writing them for 100,000 tasks holds no row objects in hsm.

/** The `tasks` array of `hsm status --json` as JSON text: 100,000 tasks in about 0.1 s. Names, keys
 * and statuses are hsm's own words (no escaping needed); other strings go through json_quote; params
 * are stored as JSON already. Times are epoch milliseconds (formatting 200,000 ISO dates would triple
 * the cost). Pages are joined by ",\n". */
export function* statusJsonPages(db: Database.Database, pageSize = 20_000): Generator<string> {
  const page = db
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
  yield* pages(db, page, pageSize, '');
}

/** The `tasks:` entries of task_mapping.yaml (params are JSON, which YAML reads as a flow mapping). */
export function* mappingYamlPages(db: Database.Database, pageSize = 20_000): Generator<string> {
  const page = db
    .prepare(
      `SELECT group_concat(j, char(10)) FROM (
         SELECT '  ' || name || ':' || char(10) || '    key: ' || key || char(10) || '    status: ' || status || char(10)
           || '    source: ' || json_quote(source) || char(10) || '    attempts: ' || attempts || char(10)
           || '    params: ' || params AS j
         FROM tasks WHERE idx > ? ORDER BY idx LIMIT ?)`,
    )
    .pluck();
  yield* pages(db, page, pageSize, '\n');
}

// Runs a page query (`idx > ?` ... `LIMIT ?`) until it returns nothing, keyed on the last idx seen.
function* pages(
  db: Database.Database,
  page: Database.Statement,
  pageSize: number,
  suffix: string,
): Generator<string> {
  const lastIdx = db
    .prepare(`SELECT MAX(idx) FROM (SELECT idx FROM tasks WHERE idx > ? ORDER BY idx LIMIT ?)`)
    .pluck();
  for (let after = 0; ;) {
    const text = page.get(after, pageSize) as string | null;
    if (!text) return;
    yield text + suffix;
    after = lastIdx.get(after, pageSize) as number;
  }
}

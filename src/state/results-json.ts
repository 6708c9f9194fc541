import type Database from 'better-sqlite3';
import { readMetricKeys, readParamKeys } from './result-keys.js';

// `hsm results --json` written by SQLite from each task's params and metrics text as recorded: on
// 100,000 tasks, building, parsing and writing back a JavaScript object per task was most of the
// time. `--where` and `--sort` are applied here too (a selection: the tasks kept, in their order,
// in a temporary table), with JavaScript only for what SQL cannot say alike (text comparisons).

/** Every task of a selection as JSON text, with the keys seen and the best task's row. */
export interface MetricsJson {
  /** Tasks in the sweep (before any condition). */
  total: number;
  /** `{"name","status","params","metrics"}` objects, comma-separated, in order. */
  tasks: string;
  /** Parameter and metric names in first-seen order (of the tasks listed, in their order). */
  paramKeys: string[];
  metricKeys: string[];
  /** [name, metrics JSON] of the best completed task listed by the metric, or null. */
  best: [string, string] | null;
}

/** Where a key's value is read: a task's own column, or a name in its params or metrics. */
export type ResultKey = { in: 'task'; name: 'name' | 'status' } | { in: 'params' | 'metrics'; name: string };

export type ResultComparison = '>' | '>=' | '<' | '<=' | '=' | '!=';

export interface ResultCondition {
  key: ResultKey;
  /** When set, a value that is a JSON number is compared by SQLite (as `test` would). */
  numeric: { op: ResultComparison; value: number } | null;
  /** Tests any other value, as JSON.parse reads it (undefined: the task has none). */
  test: (value: unknown) => boolean;
}

/**
 * Tasks without the key (or with null) go last; numbers by value, before other values (after them
 * when descending); other values by `compare`; ties in task order.
 */
export interface ResultOrder {
  key: ResultKey;
  descending: boolean;
  compare: (a: unknown, b: unknown) => number;
}

/** The tasks listed: all of them in task order when empty. Null: the caller lists them itself. */
export interface ResultSelection {
  where: ResultCondition[];
  order: ResultOrder | null;
}

export type SelectResults = (keys: { params: string[]; metrics: string[] }) => ResultSelection | null;

const LATEST = `LEFT JOIN task_metrics m ON m.task_idx = t.idx AND m.attempt = t.attempts`;
const NUMBER = `IN ('integer', 'real')`;

/**
 * The document of `hsm results --json` for the tasks `select` keeps (all, without it); null when a
 * task needs more than the store holds (ended with no metrics recorded: read from its directory;
 * metrics that are not a JSON object), or `select` says so: the caller then reads the rows.
 */
export function readResultsJson(
  db: Database.Database,
  metric: { name: string; goal: 'min' | 'max' } | null,
  select?: SelectResults,
): MetricsJson | null {
  if (metric && /["\\]/.test(metric.name)) return null;
  // hsm records metrics as JSON.stringify wrote an object: text that is not one (a damaged store)
  // stops SQLite's JSON functions ("malformed JSON"), and then the caller reads the rows
  try {
    return db.transaction(() => readIn(db, metric, select))();
  } catch (err) {
    if (/malformed JSON/i.test((err as Error).message)) return null;
    throw err;
  }
}

function readIn(
  db: Database.Database,
  metric: { name: string; goal: 'min' | 'max' } | null,
  select: SelectResults | undefined,
): MetricsJson | null {
  const [total, incomplete] = db
    .prepare(
      `SELECT COUNT(*), COALESCE(SUM(CASE WHEN m.metrics IS NULL THEN t.status NOT IN ('pending', 'queued')
           ELSE substr(m.metrics, 1, 1) <> '{' END), 0) FROM tasks t ${LATEST}`,
    )
    .raw(true)
    .get() as [number, number];
  if (incomplete > 0) return null;
  // first-seen order: a key's first task, then its place in that task's object
  const keys = (column: string, from: string, pos: string) =>
    db
      .prepare(
        `SELECT j.key FROM ${from}, json_each(${column}) j GROUP BY j.key ORDER BY MIN((${pos} << 32) + j.id)`,
      )
      .pluck()
      .all() as string[];
  const all = {
    params: readParamKeys(db) ?? keys('t.params', 'tasks t', 't.idx'),
    metrics:
      readMetricKeys(db) ??
      keys(
        'm.metrics',
        'tasks t JOIN task_metrics m ON m.task_idx = t.idx AND m.attempt = t.attempts',
        't.idx',
      ),
  };
  let from = 'tasks t';
  let pos = 't.idx';
  let paramKeys = all.params;
  let metricKeys = all.metrics;
  if (select) {
    const selection = select(all);
    if (selection === null || !selectTasks(db, selection, metric)) return null;
    from = 'temp.hsm_selection s JOIN tasks t ON t.idx = s.idx';
    pos = 's.pos';
    paramKeys = listedKeys(db, 't.params', from, all.params) ?? keys('t.params', from, pos);
    metricKeys =
      listedKeys(db, 'm.metrics', `${from} ${LATEST}`, all.metrics) ??
      keys('m.metrics', `${from} JOIN task_metrics m ON m.task_idx = t.idx AND m.attempt = t.attempts`, pos);
  }
  const tasks = db
    .prepare(
      `SELECT COALESCE(group_concat('{"name":' || json_quote(t.name) || ',"status":' || json_quote(t.status)
           || ',"params":' || t.params || ',"metrics":'
           || CASE WHEN m.metrics IS NULL OR m.metrics = '{}' THEN 'null' ELSE m.metrics END || '}',
           ',' ORDER BY ${pos}), '')
         FROM ${from} ${LATEST}`,
    )
    .pluck()
    .get() as string;
  let best: [string, string] | null = null;
  if (metric) {
    const path = `'$."${metric.name.replace(/'/g, "''")}"'`;
    // with a selection, each task's value was read as it was made (`s.best`)
    const listed = select
      ? `(SELECT idx FROM temp.hsm_selection WHERE best IS NOT NULL
           ORDER BY best ${metric.goal === 'min' ? 'ASC' : 'DESC'}, pos LIMIT 1) s JOIN tasks t ON t.idx = s.idx`
      : null;
    best =
      (db
        .prepare(
          listed
            ? `SELECT t.name, m.metrics FROM ${listed} ${LATEST}`
            : `SELECT t.name, m.metrics FROM tasks t ${LATEST} WHERE ${bestValue(path, 'm.metrics')}
                 ORDER BY json_extract(m.metrics, ${path}) ${metric.goal === 'min' ? 'ASC' : 'DESC'}, t.idx LIMIT 1`,
        )
        .raw(true)
        .get() as [string, string] | undefined) ?? null;
  }
  return { total, tasks, paramKeys, metricKeys, best };
}

// A completed task's value of the metric at \`path\` when it is a finite number (else false/NULL).
function bestValue(path: string, metrics: string): string {
  return `t.status = 'completed' AND json_type(${metrics}, ${path}) ${NUMBER}
    AND abs(json_extract(${metrics}, ${path})) <= 1.7976931348623157e308`;
}

// The keys of the first task listed, when it has every key of the sweep: then they are the keys
// of the tasks listed, in first-seen order (the usual sweep: every task has the same keys). Null
// otherwise.
function listedKeys(db: Database.Database, column: string, from: string, all: string[]): string[] | null {
  const first = db
    .prepare(`SELECT j.key FROM ${from}, json_each(${column}) j WHERE s.pos = 1 ORDER BY j.id`)
    .pluck()
    .all() as string[];
  return first.length === all.length && all.every((k) => first.includes(k)) ? first : null;
}

/**
 * Fills `temp.hsm_selection (pos, idx, best)` with the tasks the conditions keep, `pos` their place
 * in the order, `best` their value of the metric when it may make them the best. False when the order's key was resolved for every task but no task kept has it (the
 * caller, resolving against the tasks kept, may read another key).
 */
function selectTasks(
  db: Database.Database,
  selection: ResultSelection,
  metric: { name: string } | null,
): boolean {
  const keys = [...selection.where.map((c) => c.key), ...(selection.order ? [selection.order.key] : [])];
  if (keys.some((k) => /["\\]/.test(k.name))) return false; // not a JSON path label
  const bound: Record<string, string | number> = {};
  const bind = (v: string | number) => {
    const name = `v${Object.keys(bound).length}`;
    bound[name] = v;
    return `@${name}`;
  };
  const tests = selection.where.map((c) => c.test);
  db.function('hsm_result_test', { deterministic: true }, (i, type, value) =>
    tests[i as number]!(fromSql(type as string, value)) ? 1 : 0,
  );
  // (each `CASE x WHEN` reads x once: the JSON functions are most of the time on 100,000 tasks)
  const where = selection.where.map((c, i) => {
    const { type, value } = valueSql(c.key, bind);
    const test = `hsm_result_test(${i}, ${type}, ${value})`;
    if (!c.numeric) return test;
    const compared = `${value} ${c.numeric.op} ${bind(c.numeric.value)}`;
    return `(CASE ${type} WHEN 'integer' THEN ${compared} WHEN 'real' THEN ${compared} ELSE ${test} END)`;
  });
  const o = selection.order;
  const ranks = new Map<string, number>();
  let ranked = false;
  db.function('hsm_result_rank', { deterministic: true }, (type, value) => {
    if (!ranked) throw new RanksNeeded();
    return ranks.get(`${type as string}\0${String(value)}`) ?? null;
  });
  // the group (numbers, other values, none) and the value within it (a number, or the rank of
  // another value) of the order's key
  let group = '0';
  let within = 'NULL';
  const dir = o?.descending ? 'DESC' : 'ASC';
  if (o) {
    const { type, value } = valueSql(o.key, bind);
    const kind = (number: string, none: string, other: string) =>
      `CASE coalesce(${type}, 'null') WHEN 'integer' THEN ${number} WHEN 'real' THEN ${number} WHEN 'null' THEN ${none} ELSE ${other} END`;
    group = kind(o.descending ? '1' : '0', '2', o.descending ? '0' : '1');
    within = kind(value, 'NULL', `hsm_result_rank(${type}, ${value})`);
  }
  // the metric's value for the best task, read in the same pass (the texts are parsed once)
  let best = 'NULL';
  if (metric) {
    // (no infinity to leave out, unlike bestValue: hsm records metrics with JSON.stringify, which
    // writes none)
    const path = bind(`$."${metric.name}"`);
    const value = `m.metrics ->> ${path}`;
    best = `CASE WHEN t.status = 'completed' THEN CASE json_type(m.metrics, ${path})
      WHEN 'integer' THEN ${value} WHEN 'real' THEN ${value} END END`;
  }
  // Two steps: each task's sort values first, then the order of those; sorting on the expressions
  // themselves took three times as long. Rows are numbered (pos) in the order they are inserted.
  db.exec('DROP TABLE IF EXISTS temp.hsm_keyed; DROP TABLE IF EXISTS temp.hsm_selection');
  db.exec('CREATE TEMP TABLE hsm_selection (pos INTEGER PRIMARY KEY, idx INTEGER NOT NULL, best)');
  const keyed = db.prepare(
    `CREATE TEMP TABLE hsm_keyed AS SELECT t.idx AS idx, ${group} AS g, ${within} AS v, ${best} AS best
       FROM tasks t ${LATEST} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
  );
  try {
    keyed.run(bound);
  } catch (err) {
    if (!(err instanceof RanksNeeded) || !o) throw err;
    // values that are not numbers are ordered by `compare`: their ranks, from every distinct one
    const { type, value } = valueSql(o.key, bind);
    const others = db
      .prepare(
        `SELECT DISTINCT ${type}, ${value} FROM tasks t ${LATEST} WHERE ${type} NOT IN ('integer', 'real', 'null')`,
      )
      .raw(true)
      .all(bound) as [string, unknown][];
    const sorted = others
      .map(([t, v]) => ({ id: `${t}\0${String(v)}`, v: fromSql(t, v) }))
      .sort((a, b) => o.compare(a.v, b.v));
    sorted.forEach((e, i) =>
      ranks.set(e.id, i > 0 && o.compare(sorted[i - 1]!.v, e.v) === 0 ? ranks.get(sorted[i - 1]!.id)! : i),
    );
    ranked = true;
    db.exec('DROP TABLE IF EXISTS temp.hsm_keyed');
    keyed.run(bound);
  }
  db.exec(
    `INSERT INTO temp.hsm_selection (idx, best) SELECT idx, best FROM temp.hsm_keyed ORDER BY g, v ${dir}, idx`,
  );
  db.exec('DROP TABLE temp.hsm_keyed');
  if (!o || o.key.in === 'task' || selection.where.length === 0) return true;
  const { type } = valueSql(o.key, bind);
  return (
    db
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM temp.hsm_selection s JOIN tasks t ON t.idx = s.idx ${LATEST} WHERE ${type} IS NOT NULL)`,
      )
      .pluck()
      .get(bound) === 1
  );
}

class RanksNeeded extends Error {}

// The type and value (`->>`: numbers and text as such, true/false as 1/0, null as NULL, arrays and
// objects as JSON text) of a key, as SQL expressions over `t` (tasks) and `m` (latest metrics).
function valueSql(key: ResultKey, bind: (v: string) => string): { type: string; value: string } {
  if (key.in === 'task') return { type: `'text'`, value: key.name === 'name' ? 't.name' : 't.status' };
  const column = key.in === 'params' ? 't.params' : 'm.metrics';
  const path = bind(`$."${key.name}"`);
  return { type: `json_type(${column}, ${path})`, value: `${column} ->> ${path}` };
}

// The JavaScript value JSON.parse would give.
function fromSql(type: string | null, value: unknown): unknown {
  switch (type) {
    case null:
      return undefined;
    case 'null':
      return null;
    case 'true':
      return true;
    case 'false':
      return false;
    case 'object':
    case 'array':
      return JSON.parse(value as string);
    default:
      return value;
  }
}

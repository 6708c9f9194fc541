import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { TaskStatus } from '../domain/task.js';
import type { Params } from '../domain/params.js';
import { metricOfConfig, type SweepMetric } from '../sweep/index.js';
import { readTaskMetrics, parseMetricsObject, type Metrics } from '../results/task-metrics.js';
import {
  filterRows,
  findBest,
  parseWhere,
  sortRows,
  toResultSelection,
  type Condition,
  type ResultRow,
} from '../results/result-filter.js';
import type { OpenSweep } from '../state/sweep-directory.js';
import type { ProjectContext } from './project.js';
import { openSweep } from './sweep-open.js';

// Every task's params, status and the metrics it reported (HSM_METRICS lines on stdout and
// $HSM_TASK_DIR/metrics.json, recorded in the store when each attempt ended): `hsm results`, and what a
// program reads after a sweep to compare its runs.

export type TaskMetrics = Metrics;

export interface TaskResult {
  name: string;
  status: TaskStatus;
  params: Params;
  /** The metrics the task's latest attempt reported, null when it reported none. */
  metrics: TaskMetrics | null;
}

export interface SweepResults {
  sweep_id: string;
  sweep_dir: string;
  /** Tasks in the sweep (before --where). */
  total: number;
  /** `metric:` of the sweep file, or null. */
  metric: SweepMetric | null;
  /** The best completed task by `metric` (of the tasks listed), or null. */
  best: { task: string; value: number } | null;
  /** Parameter and metric names, in first-seen order (the columns of the table and the CSV). */
  param_keys: string[];
  metric_keys: string[];
  tasks: TaskResult[];
}

export interface ResultsOptions {
  /** Conditions, e.g. `lr>0.01, status=completed`. */
  where?: string;
  /** A metric or parameter; rows without it go last. */
  sort?: string;
  descending?: boolean;
}

// Reads a sweep's results (safe while another process runs it: the store is read-only here).
export function getSweepResults(
  project: ProjectContext,
  idOrPrefix?: string,
  options: ResultsOptions = {},
): SweepResults {
  return readSweep(project, idOrPrefix, options, (sweep, metric, conditions) =>
    resultsFromRows(sweep, metric, conditions, options),
  );
}

/**
 * The document `getSweepResults` returns, as JSON text (`hsm results --json`): the store writes it
 * from each task's params and metrics text as recorded, `--where` and `--sort` applied there too,
 * without a JavaScript object per task (on 100,000 tasks, building, parsing and writing those back
 * was most of the time). The same document, byte for byte (test/e2e/results-json.test.ts).
 */
export function getSweepResultsJson(
  project: ProjectContext,
  idOrPrefix?: string,
  options: ResultsOptions = {},
): string {
  return readSweep(project, idOrPrefix, options, (sweep, metric, conditions) => {
    const select =
      conditions || options.sort !== undefined
        ? (keys: { params: string[]; metrics: string[] }) =>
            toResultSelection(conditions ?? [], options.sort, options.descending === true, keys)
        : undefined;
    const text = sweep.store.findings.metricsJson(metric, select);
    if (text === null) return JSON.stringify(resultsFromRows(sweep, metric, conditions, options));
    const best = text.best && metric ? parseMetricsObject(text.best[1])?.[metric.name] : undefined;
    const head = JSON.stringify({
      sweep_id: sweep.id,
      sweep_dir: sweep.paths.dir,
      total: text.total,
      metric,
      best: typeof best === 'number' ? { task: text.best![0], value: best } : null,
      param_keys: text.paramKeys,
      metric_keys: text.metricKeys,
    });
    return `${head.slice(0, -1)},"tasks":[${text.tasks}]}`;
  });
}

// The sweep opened read-only (--where checked first), its metric and conditions handed to `read`.
function readSweep<T>(
  project: ProjectContext,
  idOrPrefix: string | undefined,
  options: ResultsOptions,
  read: (sweep: OpenSweep, metric: SweepMetric | null, conditions: Condition[] | null) => T,
): T {
  const conditions = options.where === undefined ? null : parseWhere(options.where);
  const sweep = openSweep(project, idOrPrefix, { readonly: true });
  try {
    return read(sweep, readSweepMetric(sweep), conditions);
  } finally {
    sweep.store.close();
  }
}

// The results from the store's rows, each parsed (a task whose metrics are read from its directory).
function resultsFromRows(
  sweep: OpenSweep,
  metric: SweepMetric | null,
  conditions: Condition[] | null,
  options: ResultsOptions,
): SweepResults {
  let rows = readResultRows(sweep);
  const total = rows.length;
  if (conditions) rows = filterRows(rows, conditions);
  if (options.sort) rows = sortRows(rows, options.sort, options.descending);
  const paramKeys = new Set<string>();
  const metricKeys = new Set<string>();
  for (const r of rows) {
    for (const k of Object.keys(r.params)) paramKeys.add(k);
    for (const k of Object.keys(r.metrics ?? {})) metricKeys.add(k);
  }
  return {
    sweep_id: sweep.id,
    sweep_dir: sweep.paths.dir,
    total,
    metric,
    best: metric ? findBest(rows, metric) : null,
    param_keys: [...paramKeys],
    metric_keys: [...metricKeys],
    tasks: rows as TaskResult[],
  };
}

// The store's rows; a task that ended with nothing recorded (a sweep from an older hsm, a task
// collected from another machine) is read from its directory.
function readResultRows(sweep: OpenSweep): ResultRow[] {
  return sweep.store.findings.metricsRows().map(([name, status, params, metrics]) => {
    let m: Metrics | null = metrics === null ? null : parseMetricsObject(metrics);
    if (metrics === null && status !== 'pending' && status !== 'queued')
      m = readTaskMetrics(sweep.paths, name);
    return {
      name,
      status,
      params: JSON.parse(params) as Params,
      metrics: m !== null && Object.keys(m).length > 0 ? m : null,
    };
  });
}

function readSweepMetric(sweep: OpenSweep): SweepMetric | null {
  try {
    return metricOfConfig(parse(readFileSync(sweep.paths.config, 'utf8')));
  } catch {
    return null;
  }
}

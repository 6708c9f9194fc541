import { HsmError } from '../domain/errors.js';
import type { Params } from '../domain/params.js';
import type { TaskStatus } from '../domain/task.js';
import { parseWhere } from '../results/result-filter.js';
import { readConfinedFile, type FileSlice } from '../state/confined-file.js';
import { listSweepIds, type OpenSweep } from '../state/sweep-directory.js';
import type { TaskTableRawRow } from '../state/task-table.js';
import type { ProjectContext } from './project.js';
import { analyseSweepErrors, type ErrorsReport } from './sweep-errors.js';
import { openSweep } from './sweep-open.js';
import { headFrom, headOf, type StatusReport } from './sweep-status.js';
import { LiveSummary } from '../state/live-summary.js';

// A sweep held open for many reads (the dashboard): the status head, pages of the task table, one
// task with its attempts, the error groups, and slices of its files, from one read-only connection
// whose cache stays warm between requests. Each read is the same code `hsm status`, `hsm errors` and
// `hsm logs` use; safe while another process runs the sweep (the store is WAL).

export interface TaskTableRequest {
  /** Comma-separated statuses. */
  status?: string;
  source?: string;
  /** Part of a task name. */
  name?: string;
  /** `hsm results --where` conditions: `lr>0.01, loss<0.5`. */
  where?: string;
  sort?: string;
  descending?: boolean;
  offset?: number;
  limit?: number;
}

export interface TaskTableRow {
  name: string;
  status: TaskStatus;
  source: string | null;
  attempts: number;
  termination_reason: string | null;
  exit_code: number | null;
  host: string | null;
  started_at_ms: number | null;
  ended_at_ms: number | null;
  duration_ms: number | null;
  params: Params;
  metrics: Record<string, unknown> | null;
}

export interface TaskTablePage {
  total: number;
  offset: number;
  rows: TaskTableRow[];
}

export interface AttemptInfo {
  attempt: number;
  source: string;
  status: TaskStatus;
  handle: string | null;
  host: string | null;
  queued_at_ms: number;
  started_at_ms: number | null;
  ended_at_ms: number | null;
  exit_code: number | null;
  signal: string | null;
  termination_reason: string | null;
  detail: string | null;
}

export interface TaskDetail extends TaskTableRow {
  key: string;
  argv: string[];
  signal: string | null;
  detail: string | null;
  attempts_list: AttemptInfo[];
  /** The task directory, relative to the sweep directory. */
  dir: string;
}

export interface SweepReader {
  readonly id: string;
  readonly dir: string;
  status(): StatusReport;
  /**
   * The same document, kept current from the store's events: the first call reads every task, later
   * ones only the tasks changed since (a live page looking often at a 100,000-task sweep).
   */
  liveStatus(): StatusReport;
  /** The sources tasks ran on. */
  sources(): string[];
  tasks(request: TaskTableRequest): TaskTablePage;
  task(name: string): TaskDetail;
  errors(): ErrorsReport;
  /** Tasks changed since event `afterId` (at most `limit`), and the latest event id. */
  changes(afterId: number, limit?: number): { lastId: number; tasks: string[]; more: boolean };
  /** A task's output: the latest attempt's, or attempt `attempt`'s. */
  log(task: string, stream: 'stdout' | 'stderr', options?: LogReadOptions): FileSlice;
  /** A file of the sweep directory, by its path relative to it (never a file outside it). */
  file(path: string, options?: { from?: number; maxBytes?: number }): FileSlice;
  close(): void;
}

export interface LogReadOptions {
  attempt?: number;
  from?: number;
  maxBytes?: number;
}

/** The ids of the project's sweeps, newest first. */
export function projectSweepIds(project: ProjectContext): string[] {
  return listSweepIds(project.outputDir);
}

const TASK_NAME = /^[A-Za-z0-9_.-]+$/;

export function openSweepReader(project: ProjectContext, idOrPrefix: string): SweepReader {
  const sweep = openSweep(project, idOrPrefix, { readonly: true });
  const store = sweep.store;
  const row = (name: string) => {
    const r = TASK_NAME.test(name) ? store.task(name) : null;
    if (!r)
      throw new HsmError('not_found', `no task "${name}" in sweep ${sweep.id}`, {
        hint: `\`hsm status ${sweep.id} --all\` lists its tasks`,
      });
    return r;
  };
  let live: LiveSummary | null = null;
  return {
    id: sweep.id,
    dir: sweep.paths.dir,
    status: () => store.snapshot(() => headOf(sweep)),
    liveStatus: () => {
      live ??= new LiveSummary(store.table, (read) => store.snapshot(read));
      return headFrom(sweep, live.current());
    },
    sources: () => store.table.sources(),
    tasks: (request) => {
      const where = request.where?.trim() ? parseWhere(request.where) : [];
      const statuses = request.status
        ? (request.status.split(',').filter((s) => s !== '') as TaskStatus[])
        : [];
      const offset = request.offset ?? 0;
      const page = store.snapshot(() =>
        store.table.page({
          statuses,
          ...(request.source ? { source: request.source } : {}),
          ...(request.name ? { name: request.name } : {}),
          where,
          ...(request.sort ? { sort: request.sort } : {}),
          descending: request.descending ?? false,
          offset,
          limit: request.limit ?? 100,
        }),
      );
      return { total: page.total, offset, rows: page.rows.map(tableRow) };
    },
    task: (name) => taskDetail(sweep, row(name).name),
    errors: () => store.snapshot(() => analyseSweepErrors(sweep)),
    changes: (afterId, limit) => store.table.changedSince(afterId, limit),
    log: (name, stream, options = {}) => {
      const r = row(name);
      const file = `${stream}.log`;
      const rel =
        options.attempt === undefined || options.attempt === r.attempts
          ? `tasks/${r.name}/${file}`
          : `tasks/${r.name}/attempts/${options.attempt}/${file}`;
      return readConfinedFile(sweep.paths.dir, rel, options);
    },
    file: (path, options) => readConfinedFile(sweep.paths.dir, path, options),
    close: () => store.close(),
  };
}

function tableRow(r: TaskTableRawRow): TaskTableRow {
  return {
    name: r.name,
    status: r.status,
    source: r.source,
    attempts: r.attempts,
    termination_reason: r.reason,
    exit_code: r.exit_code,
    host: r.host,
    started_at_ms: r.started_at,
    ended_at_ms: r.ended_at,
    duration_ms: r.started_at !== null && r.ended_at !== null ? r.ended_at - r.started_at : null,
    params: JSON.parse(r.params) as Params,
    metrics: r.metrics === null ? null : (JSON.parse(r.metrics) as Record<string, unknown>),
  };
}

function taskDetail(sweep: OpenSweep, name: string): TaskDetail {
  const store = sweep.store;
  return store.snapshot(() => {
    const r = store.task(name)!;
    const raw = store.table.row(name)!;
    return {
      ...tableRow(raw),
      key: r.key,
      argv: r.argv,
      signal: r.signal,
      detail: r.detail,
      dir: `tasks/${r.name}`,
      attempts_list: store.table.attemptsOf(r.name).map((a) => ({
        attempt: a.attempt,
        source: a.source,
        status: a.status,
        handle: a.handle === null ? null : String(a.handle),
        host: a.host,
        queued_at_ms: a.queued_at,
        started_at_ms: a.started_at,
        ended_at_ms: a.ended_at,
        exit_code: a.exit_code,
        signal: a.signal,
        termination_reason: a.reason,
        detail: a.detail,
      })),
    };
  });
}

import type { Params } from '../domain/params.js';
import { HsmError } from '../domain/errors.js';
import { quoteShellWord } from '../domain/shell-quote.js';
import {
  CATEGORY_INFO,
  FAILURE_CATEGORIES,
  addTraits,
  diagnoseFailure,
  groupFailures,
  type Diagnosis,
  type FailedTask,
  type FailureCategory,
  type FailureGroup,
  type ValueCounts,
} from '../diagnose/index.js';
import type { OpenSweep } from '../state/sweep-directory.js';
import type { FailedTaskRow } from '../state/task-findings.js';
import { readTail } from '../process/task-records.js';
import { writeErrorPatterns } from '../state/failure-log.js';
import { foldNodeSet } from '../remote/nodeset/index.js';
import type { ProjectContext } from './project.js';
import { openSweep } from './sweep-open.js';

// `hsm errors`: the tasks of a sweep that did not complete (failed, lost, cancelled), grouped by cause,
// with what each group's tasks share and the command that runs just them again. Causes come from the
// store (recorded when each attempt ended); a task with none recorded is diagnosed from its files now.

export interface ErrorsReport {
  sweep_id: string;
  sweep_dir: string;
  total: number;
  /** Tasks listed: failed + lost + cancelled (of `category` only, when given). */
  failed: number;
  counts: { failed: number; lost: number; cancelled: number };
  groups: FailureGroup[];
  /** The command that runs the listed tasks again. */
  rerun: string;
}

export interface ErrorsOptions {
  /** Only failures of this category. */
  category?: string;
}

export function getSweepErrors(
  project: ProjectContext,
  idOrPrefix?: string,
  options: ErrorsOptions = {},
): ErrorsReport {
  const sweep = openSweep(project, idOrPrefix, { readonly: true });
  try {
    return analyseSweepErrors(sweep, options);
  } finally {
    sweep.store.close();
  }
}

// `sweepTraits`: the parameter values and hosts of all tasks, when the caller has them already (a run
// rewriting error_patterns.yaml counts them once, not at every rewrite).
export function analyseSweepErrors(
  sweep: OpenSweep,
  options: ErrorsOptions = {},
  sweepTraits?: ValueCounts,
): ErrorsReport {
  const category = options.category === undefined ? undefined : checkCategory(options.category);
  const findings = sweep.store.findings;
  const counts = { failed: 0, lost: 0, cancelled: 0 };
  const failed: FailedTask[] = [];
  for (const row of findings.failedTasks()) {
    const diagnosis = causeOf(sweep, row);
    if (category !== undefined && diagnosis.category !== category) continue;
    if (row.status === 'failed' || row.status === 'lost' || row.status === 'cancelled') counts[row.status]++;
    failed.push({ name: row.name, params: JSON.parse(row.params) as Params, host: row.host, diagnosis });
  }
  const groups = failed.length === 0 ? [] : groupFailures(failed, sweepTraits ?? countSweepTraits(sweep));
  return {
    sweep_id: sweep.id,
    sweep_dir: sweep.paths.dir,
    total: Object.values(sweep.store.counts()).reduce((a, b) => a + b, 0),
    failed: failed.length,
    counts,
    groups,
    rerun:
      category === undefined
        ? `hsm complete ${quoteShellWord(sweep.id)} --retry-failed`
        : buildRerunCommand(
            sweep.id,
            failed.map((t) => t.name),
          ),
  };
}

// The command that runs exactly these tasks again.
export function buildRerunCommand(sweepId: string, tasks: readonly string[]): string {
  return `hsm complete ${quoteShellWord(sweepId)} --tasks ${quoteShellWord(foldNodeSet(tasks))}`;
}

// The parameter values and hosts of every task of the sweep: what a group of failures is compared with.
export function countSweepTraits(sweep: OpenSweep): ValueCounts {
  const counts: ValueCounts = { total: 0, params: new Map(), hosts: new Map(), withHost: 0 };
  for (const [params, host] of sweep.store.findings.taskTraits())
    addTraits(counts, { params: JSON.parse(params) as Params, host });
  return counts;
}

// Rewrites logs/errors/error_patterns.yaml from the store (during a run and at its end).
export function writeSweepErrorPatterns(sweep: OpenSweep, sweepTraits?: ValueCounts): void {
  writeErrorPatterns(sweep.paths.errorPatterns, sweep.id, analyseSweepErrors(sweep, {}, sweepTraits));
}

/** The cause of each named task that did not complete (failed, lost, cancelled), as `hsm errors` finds it. */
export function failureCauses(sweep: OpenSweep, names: ReadonlySet<string>): Map<string, Diagnosis> {
  const causes = new Map<string, Diagnosis>();
  for (const row of sweep.store.findings.failedTasks([...names])) causes.set(row.name, causeOf(sweep, row));
  return causes;
}

function causeOf(sweep: OpenSweep, row: FailedTaskRow): Diagnosis {
  const cause = row.cause;
  if (cause && (FAILURE_CATEGORIES as readonly string[]).includes(cause.category)) {
    const c = cause.category as FailureCategory;
    return { ...cause, category: c, reason: row.reason ?? 'failed', hint: CATEGORY_INFO[c].hint };
  }
  return diagnoseFailure({
    reason:
      row.reason ?? (row.status === 'cancelled' ? 'cancelled' : row.status === 'lost' ? 'lost' : 'failed'),
    exitCode: row.exitCode,
    signal: row.signal,
    detail: row.detail,
    stderrTail: readTail(sweep.paths.taskFile(row.name, 'stderr.log'), 4096),
  });
}

function checkCategory(name: string): FailureCategory {
  if ((FAILURE_CATEGORIES as readonly string[]).includes(name)) return name as FailureCategory;
  throw new HsmError('usage', `unknown failure category "${name}"`, {
    hint: `categories: ${FAILURE_CATEGORIES.join(', ')}`,
  });
}

/** Task names folded for people: `task_[004-026,031]`. */
export function foldTaskNames(names: readonly string[]): string {
  return foldNodeSet(names);
}

export { describeShared } from '../diagnose/index.js';

import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { HsmError } from '../domain/errors.js';
import { readTail } from '../process/task-records.js';
import { chartJsSource } from '../report/chart-library.js';
import { completionReportHtml } from '../report/completion-report.js';
import { errorReportHtml } from '../report/error-report.js';
import { performanceSummary } from '../report/performance-summary.js';
import type { ReportInput } from '../report/report-model.js';
import { writeFileAtomic } from '../state/atomic-write.js';
import { renderYaml } from '../state/sweep-files.js';
import { SweepPaths } from '../state/sweep-paths.js';
import type { ProjectContext } from './project.js';
import { buildRerunCommand, foldTaskNames, getSweepErrors } from './sweep-errors.js';
import { getSweepResults } from './sweep-results.js';
import { openSweep } from './sweep-open.js';
import { getSweepStatus } from './sweep-status.js';

// `hsm report SWEEP`: the sweep's reports under <sweep>/reports/, made from the documents of
// `hsm status`, `hsm results` and `hsm errors` (the same calls), each file written atomically.

export interface SweepReportFiles {
  sweep_id: string;
  reports_dir: string;
  completion_report: string;
  error_analysis: string;
  performance_analysis: string;
}

/** The last lines of a failed task's stderr the error report shows. */
const STDERR_LINES = 20;
const TAIL_BYTES = 8192;

export function collectReportInput(
  project: ProjectContext,
  idOrPrefix?: string,
  nowMs = Date.now(),
): ReportInput {
  const sweep = openSweep(project, idOrPrefix, { readonly: true });
  const { metadata, paths } = sweep;
  sweep.store.close();
  const dir = paths.dir; // the one sweep, whatever the prefix matched, for the three reads below
  const status = getSweepStatus(project, dir);
  const results = getSweepResults(project, dir);
  const errors = getSweepErrors(project, dir);
  return {
    sweep: {
      id: status.sweep_id,
      name: metadata.name,
      dir,
      created_at: metadata.created_at,
      completed_at: metadata.completed_at,
      sweep_file: metadata.sweep_file,
      git: metadata.git,
      hsm_version: metadata.hsm_version,
      total: status.total,
      counts: status.counts,
      sources: status.sources,
      running: status.running_pid !== null,
      eta_seconds: status.eta_seconds,
    },
    tasks: status.tasks,
    results,
    errors: {
      ...errors,
      groups: errors.groups.map((g) => ({
        ...g,
        folded_tasks: foldTaskNames(g.tasks),
        rerun: buildRerunCommand(status.sweep_id, g.tasks),
        stderr_tail: lastLines(readTail(paths.taskFile(g.tasks[0]!, 'stderr.log'), TAIL_BYTES), STDERR_LINES),
      })),
    },
    now_ms: nowMs,
  };
}

export interface ReportOptions {
  /** Where to write the files instead of <sweep>/reports/ (a sweep directory that cannot be written). */
  outDir?: string;
}

export function writeSweepReport(
  project: ProjectContext,
  idOrPrefix?: string,
  options: ReportOptions = {},
): SweepReportFiles {
  const input = collectReportInput(project, idOrPrefix);
  const chartJs = chartJsSource();
  const paths = new SweepPaths(input.sweep.dir);
  const dir = options.outDir === undefined ? paths.reportsDir : resolve(options.outDir);
  const at = (file: string) => join(dir, basename(file));
  const files: SweepReportFiles = {
    sweep_id: input.sweep.id,
    reports_dir: dir,
    completion_report: at(paths.completionReport),
    error_analysis: at(paths.errorReport),
    performance_analysis: at(paths.performanceReport),
  };
  try {
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(files.completion_report, completionReportHtml(input, chartJs));
    writeFileAtomic(files.error_analysis, errorReportHtml(input, chartJs));
    writeFileAtomic(files.performance_analysis, renderYaml(performanceSummary(input)));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new HsmError(
      'infra',
      `cannot write the reports of sweep ${input.sweep.id} to ${dir}: ${e.code ?? e.message}`,
      {
        hint: 'make the directory writable or free space on its disk, or write the reports elsewhere with --out DIR',
        cause: err,
      },
    );
  }
  return files;
}

// A stderr tail cut to its last `n` lines (the first, possibly partial, line of a byte tail dropped).
function lastLines(text: string, n: number): string {
  const lines = text.replace(/\n$/, '').split('\n');
  if (Buffer.byteLength(text) >= TAIL_BYTES) lines.shift();
  return lines.slice(-n).join('\n');
}

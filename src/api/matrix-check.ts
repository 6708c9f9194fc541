import { existsSync } from 'node:fs';
import type { ParamValue } from '../domain/params.js';
import { HsmError } from '../domain/errors.js';
import type { TaskStatus } from '../domain/task.js';
import {
  judgeJob,
  readLogFindings,
  resolveTerminationReason,
  countVerdicts,
  type Verdict,
} from '../matrix/index.js';
import { readMatrixRecord, writeMatrixRecord, type MatrixRecord } from '../state/matrix-record.js';
import { locateSweep } from '../state/sweep-directory.js';
import { liveLockOwner } from '../state/sweep-lock.js';
import { SweepPaths } from '../state/sweep-paths.js';
import type { ProjectContext } from './project.js';
import { readJobStatus, readTail, stopSweep } from './job-api.js';
import { launchJobs } from './matrix-launch.js';

// `hsm matrix check`, `kill` and `--relaunch`: the matrix view over the sweeps its jobs run in.

/** How much of each log the reason rules read. */
const LOG_TAIL_BYTES = 256 * 1024;

/** One job as `hsm matrix check --json` shows it (docs/CLI.md). */
export interface MatrixJobView {
  name: string;
  axes: Record<string, ParamValue>;
  status: TaskStatus;
  exit_code: number | null;
  termination_reason: string | null;
  restarts: number | null;
  verdict: Verdict;
  /** Why the verdict is fail. */
  why: string | null;
  expect: { exit_code?: number; reason?: string };
  duration_ms: number | null;
  job_id: string | null;
  source: string;
  attempts: number;
  launches: number;
  sweep_id: string;
  task: string;
  /** The job's stdout log; `log_paths` has both. */
  logs: string;
  log_paths: { stdout: string; stderr: string };
  /** The log line the reason was read from. */
  evidence: string | null;
  description: string | null;
}

export interface MatrixCheck {
  id: string;
  name: string;
  file: string | null;
  created_at: string;
  git: MatrixRecord['git'];
  jobs: MatrixJobView[];
  summary: Record<Verdict, number> & { total: number };
  /** Sweeps with jobs not ended that no hsm process runs (it was killed): `hsm complete` takes them back. */
  unfollowed_sweeps: string[];
}

export function checkMatrix(project: ProjectContext, idOrPrefix?: string): MatrixCheck {
  const record = readMatrixRecord(project.outputDir, idOrPrefix);
  const dirs = new Map<string, string>();
  const dirOf = (id: string) => {
    if (!dirs.has(id)) dirs.set(id, locateSweep(project.outputDir, id));
    return dirs.get(id)!;
  };
  const jobs = record.jobs.map((job): MatrixJobView => {
    if (!job.sweep_id) return { ...unlaunched(job), status: 'pending', verdict: 'pending' };
    const s = readJobStatus(dirOf(job.sweep_id), job.task);
    // killed before it started: it will not run (a relaunch runs it again)
    if (s.status === 'pending' && record.killed_at) {
      s.status = 'cancelled';
      s.done = true;
      s.termination_reason = 'cancelled';
    }
    const log = `${readTail(s.logs.stdout, LOG_TAIL_BYTES)}\n${readTail(s.logs.stderr, LOG_TAIL_BYTES)}`;
    const findings = readLogFindings(log, record.rules);
    const reason = s.done ? resolveTerminationReason(s.termination_reason, findings) : null;
    const exitCode = s.exit_code ?? (s.done ? findings.exitCode : null);
    const judged = judgeJob({ status: s.status, exitCode, reason }, job.expect);
    // failed with retries left while its run goes on: hsm may run it again (after a pause)
    const retrying =
      (s.status === 'failed' || s.status === 'lost') &&
      s.attempts <= (job.retries ?? 0) &&
      liveLockOwner(new SweepPaths(dirOf(job.sweep_id)).lock) !== null;
    const { verdict, why } = retrying ? { verdict: 'pending' as const, why: null } : judged;
    const end = s.ended_at_ms ?? (s.done ? null : Date.now());
    return {
      name: job.name,
      axes: job.axes,
      status: s.status,
      exit_code: exitCode,
      termination_reason: reason,
      restarts: findings.restarts ?? (s.attempts > 0 ? s.attempts - 1 : null),
      verdict,
      why,
      expect: job.expect,
      duration_ms: s.started_at_ms !== null && end !== null ? Math.max(0, end - s.started_at_ms) : null,
      job_id: s.job_id,
      source: job.source,
      attempts: s.attempts,
      launches: job.launches,
      sweep_id: job.sweep_id,
      task: job.task,
      logs: s.logs.stdout,
      log_paths: s.logs,
      evidence: findings.evidence,
      description: job.description,
    };
  });
  const counts = countVerdicts(jobs.map((j) => j.verdict));
  const open = new Set(
    jobs.filter((j) => j.verdict === 'running' || j.verdict === 'pending').map((j) => j.sweep_id),
  );
  const unfollowed = [...open].filter((id) => id && liveLockOwner(new SweepPaths(dirOf(id)).lock) === null);
  return {
    id: record.id,
    name: record.name,
    file: record.file,
    created_at: record.created_at,
    git: record.git,
    jobs,
    summary: { ...counts, total: jobs.length },
    unfollowed_sweeps: unfollowed,
  };
}

function unlaunched(job: MatrixRecord['jobs'][number]) {
  return {
    name: job.name,
    axes: job.axes,
    exit_code: null,
    termination_reason: null,
    restarts: null,
    why: null,
    expect: job.expect,
    duration_ms: null,
    job_id: null,
    source: job.source,
    attempts: 0,
    launches: 0,
    sweep_id: '',
    task: '',
    logs: '',
    log_paths: { stdout: '', stderr: '' },
    evidence: null,
    description: job.description,
  };
}

// Runs the jobs whose verdict is fail again (and nothing else), each in a new sweep; returns their names.
export async function relaunchFailedJobs(
  project: ProjectContext,
  idOrPrefix?: string,
): Promise<{ id: string; relaunched: string[] }> {
  const check = checkMatrix(project, idOrPrefix);
  const failed = new Set(check.jobs.filter((j) => j.verdict === 'fail').map((j) => j.name));
  const record = readMatrixRecord(project.outputDir, check.id);
  const jobs = record.jobs.filter((j) => failed.has(j.name));
  if (jobs.length > 0) await launchJobs(project, record, jobs);
  return { id: record.id, relaunched: jobs.map((j) => j.name) };
}

// Stops every job of the matrix that still runs (TERM, then KILL after `graceMs`) and returns once no
// hsm process runs any of its sweeps.
export async function killMatrix(
  project: ProjectContext,
  idOrPrefix: string | undefined,
  graceMs = 5000,
): Promise<{ id: string; stopped: string[] }> {
  const before = checkMatrix(project, idOrPrefix);
  const record = readMatrixRecord(project.outputDir, before.id);
  const live = new Set(
    before.jobs.filter((j) => j.verdict === 'running' || j.verdict === 'pending').map((j) => j.sweep_id),
  );
  for (const id of record.sweeps) {
    const dir = locateSweep(project.outputDir, id);
    if (live.has(id) || liveLockOwner(new SweepPaths(dir).lock) !== null)
      await stopSweep(project, dir, graceMs);
  }
  record.killed_at = new Date().toISOString();
  writeMatrixRecord(project.outputDir, record);
  const stopped = before.jobs
    .filter((j) => j.verdict === 'running' || j.verdict === 'pending')
    .map((j) => j.name);
  return { id: record.id, stopped };
}

// The end of one job's output (stdout, then stderr), for `hsm matrix check --logs JOB`.
export function matrixJobLogs(
  project: ProjectContext,
  idOrPrefix: string | undefined,
  job: string,
  lines = 40,
): { job: string; stdout: string; stderr: string; paths: { stdout: string; stderr: string } } {
  const check = checkMatrix(project, idOrPrefix);
  const j = check.jobs.find((x) => x.name === job);
  if (!j)
    throw new HsmError('not_found', `matrix ${check.id} has no job "${job}"`, {
      hint: `jobs: ${check.jobs
        .slice(0, 8)
        .map((x) => x.name)
        .join(', ')}${check.jobs.length > 8 ? ', ...' : ''}`,
    });
  const last = (p: string) =>
    p && existsSync(p)
      ? readTail(p, 64 * 1024)
          .split('\n')
          .slice(-lines - 1)
          .join('\n')
      : '';
  return { job, stdout: last(j.log_paths.stdout), stderr: last(j.log_paths.stderr), paths: j.log_paths };
}

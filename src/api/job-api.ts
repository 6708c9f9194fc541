import { existsSync, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { HsmError } from '../domain/errors.js';
import type { Params, ParamValue } from '../domain/params.js';
import { isFinalStatus, type TaskSpec, type TaskStatus, type TerminationReason } from '../domain/task.js';
import { computeTaskKey, formatTaskName } from '../sweep/index.js';
import { createSweepDirectory, openSweepDirectory } from '../state/sweep-directory.js';
import { buildSweepMetadata } from '../state/sweep-files.js';
import { formatSweepId } from '../state/sweep-id.js';
import { readGitInfo } from '../state/git-info.js';
import { liveLockOwner } from '../state/sweep-lock.js';
import { SweepPaths } from '../state/sweep-paths.js';
import type { ProjectContext } from './project.js';
import { checkRunSources } from './run-sources.js';
import { openSweep } from './sweep-open.js';
import { cancelSweep } from './sweep-status.js';
import { cancelTasks } from './task-cancel.js';
import { applySourceResources, checkSourceResources, recordSourceResources } from './source-resources.js';
import { startBackgroundRun } from './job-run.js';
import { VERSION } from './version.js';

// The job API (docs/api.md "Jobs"): submit() hands jobs to a compute source and returns handles with
// status(), wait(), logs() and cancel(), the same whatever the source. Underneath, the jobs of one
// submit are the tasks of one sweep, run by a background hsm process: same engine, store and layout.

export interface JobSpec {
  /** Shown by status(); default `job_<n>`. */
  name?: string;
  /** What runs, as argv (argv[0] looked up on PATH); never through a shell. */
  argv: string[];
  /** Recorded with the task (`hsm status`, `hsm results`). */
  params?: Params;
}

export interface JobSubmission {
  jobs: JobSpec[];
  /** A source of hsm_config.yaml (default `local`). */
  source?: string;
  /** Fields over the source's hsm_config.yaml entry for these jobs (Slurm `nodes`, `time`, ...). */
  resources?: Record<string, ParamValue>;
  /** hsm's own time limit per job (`90s`, `5m`). */
  timeout?: string | null;
  /** Extra attempts for a job that failed for a retryable reason (default: hsm_config.yaml's
   * `defaults.retries`, else 0). */
  retries?: number;
  /** Starts the id of the sweep the jobs run in. */
  name?: string;
}

export interface JobStatus {
  name: string;
  status: TaskStatus;
  /** True once the job has ended (completed, failed, cancelled, lost). */
  done: boolean;
  exit_code: number | null;
  termination_reason: TerminationReason | null;
  attempts: number;
  source: string | null;
  /** The source's id of the latest attempt: a pid, `host:pid`, a Slurm job id. */
  job_id: string | null;
  host: string | null;
  started_at_ms: number | null;
  ended_at_ms: number | null;
  detail: string | null;
  logs: { stdout: string; stderr: string };
}

export interface JobHandle {
  /** `<sweep_id>/<task>`: give it to openJob() to get the handle back in another process. */
  readonly id: string;
  readonly sweepId: string;
  readonly task: string;
  status(): JobStatus;
  /** Resolves with the final status once the job has ended. */
  wait(options?: { pollMs?: number; timeoutMs?: number }): Promise<JobStatus>;
  /** The end of the job's output (`tailBytes`, default 64 KiB). */
  logs(options?: { stream?: 'stdout' | 'stderr'; tailBytes?: number }): string;
  /** Stops the job alone (TERM, then KILL after 5 s; the other jobs of its submission go on) and
   * resolves once it has ended; a job not started yet is withdrawn (it stays pending, never runs). */
  cancel(): Promise<void>;
}

// Submits one job; see submitJobs.
export async function submit(
  project: ProjectContext,
  job: JobSpec & Omit<JobSubmission, 'jobs'>,
): Promise<JobHandle> {
  const { argv, name, params, ...rest } = job;
  const spec: JobSpec = { argv, ...(name !== undefined ? { name } : {}), ...(params ? { params } : {}) };
  return (await submitJobs(project, { ...rest, jobs: [spec] }))[0]!;
}

// Creates a sweep with one task per job and starts it in the background on the source; returns one
// handle per job, in order, once the run holds the sweep.
export async function submitJobs(project: ProjectContext, submission: JobSubmission): Promise<JobHandle[]> {
  if (submission.jobs.length === 0) throw new HsmError('usage', 'no jobs to submit');
  const source = submission.source ?? 'local';
  const resources = submission.resources ?? {};
  // the source as these jobs get it: their resources over its hsm_config.yaml entry
  checkRunSources({ ...project, config: applySourceResources(project.config, { [source]: resources }) }, [
    source,
  ]);
  checkSourceResources(
    source,
    project.config.sources[source] ?? { type: 'local' },
    resources,
    'the submission',
  );
  const total = submission.jobs.length;
  const names = submission.jobs.map((j, i) => j.name ?? `job_${i + 1}`);
  if (new Set(names).size !== names.length)
    throw new HsmError('usage', 'two jobs of one submission have the same name');
  const tasks: TaskSpec[] = submission.jobs.map((job, i) => {
    if (job.argv.length === 0) throw new HsmError('usage', `job ${names[i]} has an empty argv`);
    const params = job.params ?? {};
    return {
      index: i + 1,
      name: formatTaskName(i + 1, total),
      key: computeTaskKey({ ...params, 'hsm.job': names[i]! }, job.argv),
      params,
      argv: [...job.argv],
    };
  });
  const now = new Date();
  const id = formatSweepId(submission.name ?? 'jobs', now);
  const sweep = createSweepDirectory({
    outputDir: project.outputDir,
    id,
    uniqueId: true,
    sweepConfig: {
      jobs: tasks.map((t, i) => ({ name: names[i], task: t.name, argv: t.argv })),
      source,
      resources,
      timeout: submission.timeout ?? null,
    },
    metadata: buildSweepMetadata({
      id,
      name: submission.name ?? null,
      now,
      projectRoot: project.projectRoot,
      sweepFile: null,
      total,
      sources: [source],
      git: await readGitInfo(project.projectRoot),
      version: VERSION,
    }),
    tasks,
  });
  try {
    sweep.store.setMeta('source:run:sources', JSON.stringify([source]));
    sweep.store.setMeta('jobs:names', JSON.stringify(names));
    if (Object.keys(resources).length > 0) recordSourceResources(sweep.store, { [source]: resources });
  } finally {
    sweep.store.close();
  }
  await startBackgroundRun(sweep.paths.dir, {
    timeout: submission.timeout ?? null,
    ...(submission.retries !== undefined ? { retries: submission.retries } : {}),
    cwd: project.cwd,
  });
  return tasks.map((t) => openJob(project, `${sweep.id}/${t.name}`));
}

// The handle of a job submitted earlier (by this process or another), from its id `<sweep_id>/<task>`.
export function openJob(project: ProjectContext, id: string): JobHandle {
  const slash = id.lastIndexOf('/');
  if (slash <= 0) throw new HsmError('usage', `job id "${id}" is not <sweep_id>/<task>`);
  const sweepId = id.slice(0, slash);
  const task = id.slice(slash + 1);
  const dir = openSweepDir(project, sweepId);
  const paths = new SweepPaths(dir);
  const status = (): JobStatus => readJobStatus(dir, task);
  status(); // the task exists
  return {
    id: `${sweepId}/${task}`,
    sweepId,
    task,
    status,
    async wait(options = {}) {
      const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
      for (;;) {
        const s = status();
        if (s.done) return s;
        if (s.status === 'pending' && liveLockOwner(paths.lock) === null)
          throw new HsmError('usage', `job ${id} will not start: no hsm process runs its sweep`, {
            hint: `\`hsm complete ${sweepId}\` runs it`,
          });
        if (Date.now() > deadline)
          throw new HsmError('interrupted', `job ${id} still ${s.status} after ${options.timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
      }
    },
    logs(options = {}) {
      return readTail(
        paths.taskFile(task, options.stream === 'stderr' ? 'stderr.log' : 'stdout.log'),
        options.tailBytes ?? 65536,
      );
    },
    async cancel() {
      await cancelJob(project, dir, task);
    },
  };
}

// Stops one job: the hsm process running its sweep is asked to cancel that task alone (the other jobs
// go on); with no such process (it was killed), what it left of the sweep is stopped. Resolves once
// the job has ended, or was withdrawn before it started (it stays pending and does not run).
async function cancelJob(
  project: ProjectContext,
  sweepDir: string,
  task: string,
  graceMs = 5000,
): Promise<void> {
  const paths = new SweepPaths(sweepDir);
  if (readJobStatus(sweepDir, task).done) return;
  if (liveLockOwner(paths.lock) === null) return stopSweep(project, sweepDir, graceMs);
  try {
    cancelTasks(project, sweepDir, task);
  } catch (err) {
    if (!(err instanceof HsmError && err.code === 'usage')) throw err; // it ended, or its run did
  }
  const deadline = Date.now() + graceMs + 30_000;
  for (;;) {
    const s = readJobStatus(sweepDir, task);
    if (s.done || liveLockOwner(paths.lock) === null || s.status === 'pending') return;
    if (Date.now() > deadline)
      throw new HsmError('infra', `job ${task} of ${sweepDir} did not stop`, {
        hint: `\`hsm cancel ${sweepDir}\``,
      });
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Cancels what of a sweep still runs and waits until no hsm process runs it any more.
export async function stopSweep(project: ProjectContext, sweepDir: string, graceMs = 5000): Promise<void> {
  const paths = new SweepPaths(sweepDir);
  try {
    await cancelSweep(project, sweepDir, graceMs);
  } catch (err) {
    if (!(err instanceof HsmError && err.code === 'usage')) throw err; // usage: nothing was running
  }
  const deadline = Date.now() + graceMs + 30_000;
  while (liveLockOwner(paths.lock) !== null) {
    if (Date.now() > deadline)
      throw new HsmError('infra', `the hsm process running ${sweepDir} did not stop`, {
        hint: `\`hsm cancel ${sweepDir}\``,
      });
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function readJobStatus(sweepDir: string, task: string): JobStatus {
  const sweep = openSweepDirectory(sweepDir, { readonly: true });
  try {
    const row = sweep.store.task(task);
    if (!row) throw new HsmError('not_found', `no job ${task} in sweep ${sweep.id}`);
    const names = JSON.parse(sweep.store.getMeta('jobs:names') ?? '[]') as string[];
    return {
      name: names[row.index - 1] ?? row.name,
      status: row.status,
      done: isFinalStatus(row.status),
      exit_code: row.exitCode,
      termination_reason: row.reason,
      attempts: row.attempts,
      source: row.source,
      job_id: row.attempts > 0 ? sweep.store.attemptHandle(row.name, row.attempts) : null,
      host: row.host,
      started_at_ms: row.startedAt,
      ended_at_ms: row.endedAt,
      detail: row.detail,
      logs: {
        stdout: sweep.paths.taskFile(task, 'stdout.log'),
        stderr: sweep.paths.taskFile(task, 'stderr.log'),
      },
    };
  } finally {
    sweep.store.close();
  }
}

// The last `bytes` of a file ('' when it does not exist yet), starting at a line.
export function readTail(path: string, bytes: number): string {
  if (!existsSync(path)) return '';
  const size = statSync(path).size;
  if (size <= bytes) return readFileSync(path, 'utf8');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    readSync(fd, buf, 0, bytes, size - bytes);
    const text = buf.toString('utf8');
    return text.slice(text.indexOf('\n') + 1);
  } finally {
    closeSync(fd);
  }
}

function openSweepDir(project: ProjectContext, sweepId: string): string {
  const sweep = openSweep(project, sweepId, { readonly: true });
  try {
    return sweep.paths.dir;
  } finally {
    sweep.store.close();
  }
}

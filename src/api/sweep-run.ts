import { cpus } from 'node:os';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { HsmError } from '../domain/errors.js';
import { parseTimeLimit } from '../domain/duration.js';
import type { TaskSpec } from '../domain/task.js';
import { SweepEngine, type AdoptedAttempt, type EngineResult } from '../engine/sweep-engine.js';
import type { ComputeSource, TaskRow } from '../engine/ports.js';
import { buildSource, checkSourceStarts, runnableSourceTypes } from '../compute/source-registry.js';
import type { SweepContext } from '../compute/source-context.js';
import type { SourceConfig } from '../config/index.js';
import { LocalTaskWorkspace } from '../state/task-workspace.js';
import {
  createSweepDirectory,
  openSweepDirectory,
  locateSweep,
  type OpenSweep,
} from '../state/sweep-directory.js';
import { buildSweepMetadata } from '../state/sweep-files.js';
import { checkSweepId, formatSweepId } from '../state/sweep-id.js';
import { readGitInfo } from '../state/git-info.js';
import { SweepLock } from '../state/sweep-lock.js';
import { SweepLog } from '../state/sweep-log.js';
import type { SweepLogger } from '../engine/log-port.js';
import type { Diagnosis } from '../diagnose/index.js';
import { FindingsRecorder } from './findings-recorder.js';
import { selectTasks } from './task-selection.js';
import { writeFileAtomic } from '../state/atomic-write.js';
import { renderYaml } from '../state/sweep-files.js';
import {
  loadSweepDefinition,
  countTasks,
  generateTasks,
  iterateTasks,
  LARGE_SWEEP_TASKS,
  type SweepDefinition,
  type Diagnostic,
} from '../sweep/index.js';
import { buildDefaultCommand } from '../config/index.js';
import type { ProjectContext } from './project.js';
import { VERSION } from './version.js';
import { reconcileSweep } from './reconcile-sweep.js';
import { commandSweepDefinition } from './command-sweep.js';
import { applySourceResources, readSourceResources } from './source-resources.js';
import { isDiskFull, storageFailureOf, type StorageFailure } from '../engine/storage-failure.js';

// Running sweeps: create one from a sweep file and run it, or complete one that exists (after a
// crash, a Ctrl-C, or on another source). The CLI and the dashboard call these.

export interface RunOptions {
  sources?: string[];
  jobs?: number;
  retries?: number;
  retryDelayMs?: number;
  timeout?: string;
  killGraceMs?: number;
  onTask?: (
    task: TaskRow,
    event: 'queued' | 'started' | 'finished' | 'retrying',
    diagnosis?: Diagnosis | null,
  ) => void;
  /** ssh client config file (`ssh -F`) for ssh sources. */
  sshConfigFile?: string;
  /** A source's problem the user should see now (a host unreachable, a setup refused). */
  onWarning?: (message: string) => void;
  /** Progress of long steps on remote sources (setup output, session starts), line by line. */
  onProgress?: (line: string) => void;
  onLog?: (line: string) => void;
}

export interface PlanRequest {
  sweepFile?: string;
  /** One command instead of a sweep file (`--cmd`): a sweep of one task (overrides add axes). */
  command?: string;
  overrides?: string[];
  maxTasks?: number;
  yes?: boolean;
}

export interface SweepPlan {
  definition: SweepDefinition;
  total: number;
  warnings: Diagnostic[];
  /** The first tasks (all of them when `limit` is not given). */
  tasks: TaskSpec[];
}

export interface SweepRun {
  sweepId: string;
  sweepDir: string;
  total: number;
  /** Tasks this run executes (and adopted attempts it awaits). */
  planned: number;
  adopted: number;
  /** Things the user should know before the run's output (the project root moved, ...). */
  notices: string[];
  result: Promise<EngineResult>;
  cancel(): void;
}

// Loads and expands a sweep file; refuses huge sweeps unless confirmed.
export function planSweep(project: ProjectContext, req: PlanRequest, limit?: number): SweepPlan {
  const file =
    req.sweepFile !== undefined
      ? resolve(project.cwd, req.sweepFile)
      : resolve(project.projectRoot, project.config.defaults.sweep_file);
  const { definition, warnings } =
    req.command !== undefined
      ? commandSweepDefinition(req.command, req.overrides ?? [])
      : loadSweepDefinition(file, {
          cwd: project.cwd,
          overrides: req.overrides ?? [],
          defaultCommand: buildDefaultCommand(project.config) ?? undefined,
        });
  const total = countTasks(definition);
  if (req.maxTasks !== undefined && total > req.maxTasks) {
    throw new HsmError('config', `the sweep has ${total} tasks, more than --max-tasks ${req.maxTasks}`, {
      hint: 'raise --max-tasks, or reduce the axes of the sweep file',
    });
  }
  if (total > LARGE_SWEEP_TASKS && req.maxTasks === undefined && !req.yes) {
    throw new HsmError('config', `the sweep has ${total.toLocaleString('en-US')} tasks (over 100,000)`, {
      hint: 'check the axes with `hsm show`; to run it anyway, pass --yes or --max-tasks N',
    });
  }
  const tasks = generateTasks(definition, limit === undefined ? {} : { limit });
  return { definition, total, warnings, tasks };
}

// Creates the sweep directory for a plan (atomically: all of it or nothing).
export async function createSweep(
  project: ProjectContext,
  plan: SweepPlan,
  sweepId?: string,
): Promise<OpenSweep> {
  if (sweepId !== undefined) checkSweepId(sweepId);
  const now = new Date();
  const id = sweepId ?? formatSweepId(plan.definition.name, now);
  const git = await readGitInfo(project.projectRoot);
  return createSweepDirectory({
    outputDir: project.outputDir,
    id,
    uniqueId: sweepId === undefined,
    sweepConfig: {
      ...(typeof plan.definition.raw === 'object' && plan.definition.raw !== null
        ? plan.definition.raw
        : { sweep: plan.definition.raw }),
      hsm_resolved: {
        sweep_file: plan.definition.file,
        command: plan.definition.command,
        args: plan.definition.args,
        total: plan.total,
      },
    },
    metadata: buildSweepMetadata({
      id,
      name: plan.definition.name,
      now,
      projectRoot: project.projectRoot,
      sweepFile: plan.definition.file,
      total: plan.total,
      sources: [],
      git,
      version: VERSION,
    }),
    tasks: plan.tasks.length === plan.total ? plan.tasks : iterateTasks(plan.definition),
  });
}

// Runs the tasks of an open sweep that still need running: pending, lost and cancelled ones (a cancel
// is a stop asked for, not a failure: finishing the sweep runs them), failed ones too with
// `retryFailed`; attempts left running by a dead hsm are adopted, not rerun.
export function executeSweep(
  given: ProjectContext,
  sweep: OpenSweep,
  options: RunOptions & { retryFailed?: boolean; adoptOnly?: boolean; tasks?: string },
): SweepRun {
  // the sweep's own resources (a matrix job's `nodes`) over the sources' hsm_config.yaml entries
  const project = { ...given, config: applySourceResources(given.config, readSourceResources(sweep.store)) };
  const lock = SweepLock.acquire(sweep.paths, sweep.id);
  try {
    const notices: string[] = [];
    const projectRoot = resolveProjectRoot(sweep, project, notices);
    const log = new SweepLog(sweep.paths.sweepLog, (name) => sweep.paths.sourceLog(name), {
      echo: options.onLog ?? null,
    });
    const context = sweepContext(project, sweep, projectRoot, {
      ...options,
      log,
      onWarning: (message) => {
        log.event('warn', 'source:problem', { message });
        options.onWarning?.(message);
      },
      onProgress: (line) => {
        log.event('info', 'source:progress', { line });
        options.onProgress?.(line);
      },
    });
    const sources = buildSources(project, sweep, options, context);
    const workspace = new LocalTaskWorkspace(sweep.paths, {
      mappingPages: () => sweep.store.mappingYamlPages(),
    });
    const reconciled = reconcileSweep(sweep, sources[0]!.name, log);
    if (reconciled.length > 0)
      notices.push(
        `the store was behind the task directories for ${reconciled.length} task(s) (${reconciled.slice(0, 5).join(', ')}${reconciled.length > 5 ? ', ...' : ''}): corrected from their exit and start records`,
      );
    const { adopted, all } = adoptionsFor(project, sweep, sources, context);
    if (!options.adoptOnly) context.state('run').set('sources', JSON.stringify(sources.map((s) => s.name)));
    const planned = options.adoptOnly
      ? []
      : options.tasks !== undefined
        ? selectTasks(sweep, options.tasks, notices)
        : sweep.store.taskNamesWithStatus(
            options.retryFailed
              ? ['pending', 'lost', 'cancelled', 'failed']
              : ['pending', 'lost', 'cancelled'],
          );
    const total = Object.values(sweep.store.counts()).reduce((a, b) => a + b, 0);
    const findings = new FindingsRecorder(sweep);
    log.event('info', 'run:start', {
      sweep_id: sweep.id,
      pid: process.pid,
      sources: sources.map((s) => s.name),
      planned: planned.length,
      adopted: adopted.length,
    });
    const engine = new SweepEngine(sweep.store, workspace, {
      tasks: planned,
      sources,
      adopted,
      retries: options.retries ?? project.config.defaults.retries ?? 0,
      reasonRetry: project.config.retry,
      retryDelayMs: options.retryDelayMs ?? 1000,
      timeoutMs:
        options.timeout !== undefined
          ? parseTimeLimit(options.timeout)
          : project.config.defaults.timeout
            ? parseTimeLimit(String(project.config.defaults.timeout))
            : null,
      killGraceMs: options.killGraceMs ?? 5000,
      log,
      onTask: (row, event, diagnosis) => {
        if (event === 'finished' || event === 'retrying')
          findings.onAttemptEnded(row, event === 'retrying', diagnosis);
        options.onTask?.(row, event, diagnosis);
      },
    });
    const result = engine.run().finally(async () => {
      for (const s of all) await s.close();
      try {
        findings.close();
      } catch (err) {
        log.event('warn', 'errors:not-written', { error: (err as Error).message });
      }
      log.event('info', 'run:end', { counts: sweep.store.counts() });
      log.close();
      try {
        markSweepFinished(
          sweep,
          sources.map((s) => s.name),
        );
      } catch (err) {
        if (!storageFailureOf(err)) throw err; // sweep_metadata.yaml is a view; the disk is full
      } finally {
        lock.release();
      }
    });
    return {
      sweepId: sweep.id,
      sweepDir: sweep.paths.dir,
      total,
      planned: planned.length,
      adopted: adopted.length,
      notices,
      result,
      cancel: () => engine.cancel(),
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}

// Cancels what an hsm process that is gone left queued or running (`hsm cancel` when no hsm runs the
// sweep), the way Ctrl-C would have: under the sweep's lock, through the engine, so the store records
// it. Each attempt goes back to its source, which stops the runners the dead process left (nothing
// more starts), withdraws what they had queued, and terminates the rest (TERM, KILL after `graceMs`).
// Started attempts are recorded `cancelled`; ones that never started go back to `pending`.
export async function cancelLeftAttempts(
  project: ProjectContext,
  sweep: OpenSweep,
  graceMs: number,
): Promise<{ cancelled: string[]; withdrawn: string[] }> {
  const left = sweep.store.taskNamesWithStatus(['queued', 'running']);
  const run = executeSweep(project, sweep, { adoptOnly: true, killGraceMs: graceMs });
  run.cancel();
  await run.result;
  const rows = left.map((name) => sweep.store.task(name)!);
  return {
    cancelled: rows.filter((r) => r.status === 'cancelled').map((r) => r.name),
    withdrawn: rows.filter((r) => r.status === 'pending').map((r) => r.name),
  };
}

// What a run that stopped for want of space (or a read-only disk) tells the user: what could not be
// written, where, what became of the tasks, and how to finish. Exit code 3 (infrastructure).
export function storageFailureError(sweepId: string, sweepDir: string, failure: StorageFailure): HsmError {
  const where = failure.path ?? sweepDir;
  const full = isDiskFull(failure);
  return new HsmError(
    'infra',
    `${full ? 'disk full' : 'cannot write'}: ${where} (${failure.code}); hsm stopped handing over tasks`,
    {
      evidence:
        `${failure.message}\n` +
        'tasks already running ran to their end and their records are kept; tasks not started went back to pending;\n' +
        'what the store could not record, `hsm complete` reads back from the task directories',
      hint: `${full ? 'free space on' : 'make writable'} the file system of ${sweepDir} (\`df -h ${sweepDir}\`), then finish the sweep with \`hsm complete ${sweepId}\` (nothing that completed runs again)`,
      details: { code: failure.code, path: where },
    },
  );
}

export interface CollectReport {
  sweep_id: string;
  /** Tasks whose directories came back now. */
  collected: string[];
  /** Finished remote tasks whose directories could not be brought back (see errors). */
  missing: string[];
  errors: string[];
}

// `hsm collect`: the directories of finished tasks that ran on remote sources and are not here yet
// (the run that started them ended before collecting, or it was killed) come back from each source.
export async function collectSweep(
  project: ProjectContext,
  sweep: OpenSweep,
  options: { sshConfigFile?: string; onWarning?: (message: string) => void } = {},
): Promise<CollectReport> {
  const context = sweepContext(project, sweep, sweep.metadata.project_root ?? project.projectRoot, options);
  const workspace = new LocalTaskWorkspace(sweep.paths);
  const bySource = new Map<
    string,
    { task: string; attempt: number; localDir: string; host: string | null }[]
  >();
  for (const row of sweep.store.tasksWithStatus(['completed', 'failed', 'cancelled'])) {
    if (!row.source || row.attempts === 0) continue;
    if (!['ssh', 'ssm'].includes(project.config.sources[row.source]?.type ?? '')) continue;
    if (workspace.readExit(row.name, row.attempts)) continue; // already here
    const list = bySource.get(row.source) ?? [];
    list.push({
      task: row.name,
      attempt: row.attempts,
      localDir: sweep.paths.taskDir(row.name),
      host: row.host,
    });
    bySource.set(row.source, list);
  }
  const report: CollectReport = { sweep_id: sweep.id, collected: [], missing: [], errors: [] };
  for (const [name, items] of bySource) {
    const source = buildSource(
      { name, config: sourceConfig(project, name), slots: 0, project: project.config },
      context,
    );
    try {
      const r = await source.collect!(items);
      report.collected.push(...r.collected);
      report.missing.push(...r.missing);
      if (r.error) report.errors.push(r.error);
      else if (r.missing.length > 0)
        report.errors.push(`source ${name}: ${r.missing.length} task(s) have no exit record on the host`);
    } finally {
      await source.close();
    }
  }
  return report;
}

// Opens an existing sweep by id, unique prefix or path.
export function openSweep(
  project: ProjectContext,
  idOrPrefix?: string,
  options: { readonly?: boolean } = {},
): OpenSweep {
  return openSweepDirectory(locateSweep(project.outputDir, idOrPrefix), options);
}

// What the sources of this run are told about the sweep.
function sweepContext(
  project: ProjectContext,
  sweep: OpenSweep,
  projectRoot: string,
  options: Pick<RunOptions, 'onLog' | 'sshConfigFile' | 'onWarning' | 'onProgress'> & {
    log?: SweepLogger;
  } = {},
): SweepContext {
  const first = sweep.store.firstTask();
  return {
    program: first?.argv[0] ?? null,
    sweepId: sweep.id,
    sweepDir: sweep.paths.dir,
    tasksDir: sweep.paths.tasksDir,
    projectRoot,
    environment: {
      venv: project.config.project.venv ?? null,
      condaEnv: project.config.project.conda_env ?? null,
    },
    state: (source) => ({
      get: (key) => sweep.store.getMeta(`source:${source}:${key}`),
      set: (key, value) => sweep.store.setMeta(`source:${source}:${key}`, value),
    }),
    ...(options.log ? { log: options.log } : {}),
    ...(options.onLog ? { onLog: options.onLog } : {}),
    ...(options.onWarning ? { warn: options.onWarning } : {}),
    ...(options.onProgress ? { progress: options.onProgress } : {}),
    ...(options.sshConfigFile ? { sshConfigFile: options.sshConfigFile } : {}),
  };
}

// The sources named on the command line (default: local), built by type.
function buildSources(
  project: ProjectContext,
  sweep: OpenSweep,
  options: RunOptions,
  context: SweepContext,
): ComputeSource[] {
  const names = runSourceNames(sweep, options.sources);
  if (options.jobs !== undefined && (!Number.isInteger(options.jobs) || options.jobs < 1))
    throw new HsmError('usage', `--jobs must be a positive integer, got ${options.jobs}`);
  return names.map((name) => {
    const config = sourceConfig(project, name);
    const slots =
      names.length === 1 && options.jobs !== undefined
        ? options.jobs
        : (config.max_parallel ??
          (config.type === 'local' ? (project.config.defaults.jobs ?? cpus().length) : null));
    return buildSource({ name, config, slots, project: project.config }, context);
  });
}

// The sources a run of this sweep uses: the ones asked for, else those of its last run (`hsm complete`
// after a crash on a host continues on that host), else local.
export function runSourceNames(sweep: OpenSweep, requested?: readonly string[]): string[] {
  if (requested && requested.length > 0) return [...new Set(requested)];
  try {
    const names = JSON.parse(sweep.store.getMeta('source:run:sources') ?? '[]') as unknown;
    if (Array.isArray(names) && names.length > 0 && names.every((n) => typeof n === 'string')) return names;
  } catch {
    /* unreadable: local */
  }
  return ['local'];
}

// The sources a run names must exist and be of a type hsm runs: checked before the sweep is created,
// so a typo or a `type: slurm` source leaves no sweep behind that never ran.
export function checkRunSources(project: ProjectContext, names: readonly string[]): void {
  const runnable = runnableSourceTypes();
  for (const name of names) {
    const config = sourceConfig(project, name);
    if (!runnable.includes(config.type))
      throw new HsmError(
        'config',
        `source "${name}" has type ${config.type}, which this version of hsm cannot run yet`,
        { hint: `sources hsm runs: ${runnable.join(', ')}; name one of those with --source` },
      );
    checkSourceStarts(name, project.config);
  }
}

// A source's entry in hsm_config.yaml; `local` needs none.
function sourceConfig(project: ProjectContext, name: string, why?: string): SourceConfig {
  const configured = project.config.sources?.[name];
  if (configured) return configured;
  if (name === 'local') return { type: 'local' };
  const known = Object.keys(project.config.sources ?? {});
  throw new HsmError('config', `unknown source "${name}"${why ? ` (${why})` : ''}`, {
    hint: known.length
      ? `sources in hsm_config.yaml: ${known.join(', ')}`
      : 'define it under `sources:` in hsm_config.yaml',
  });
}

// Attempts a dead hsm process left queued or running go back to the source they were handed to
// (built for adoption alone when this run does not use it: start on a host, finish locally).
function adoptionsFor(
  project: ProjectContext,
  sweep: OpenSweep,
  sources: readonly ComputeSource[],
  context: SweepContext,
): { adopted: AdoptedAttempt[]; all: ComputeSource[] } {
  const byName = new Map(sources.map((s) => [s.name, s]));
  const adopted: AdoptedAttempt[] = [];
  for (const row of sweep.store.tasksWithStatus(['queued', 'running'])) {
    const name = row.source ?? 'local';
    let source = byName.get(name);
    if (!source) {
      const config = sourceConfig(project, name, `task ${row.name} of this sweep is still on it`);
      source = buildSource({ name, config, slots: 0, project: project.config }, context);
      byName.set(name, source);
    }
    adopted.push({
      row,
      attempt: row.attempts,
      source,
      handle: sweep.store.attemptHandle(row.name, row.attempts),
      startedAt: row.startedAt,
      localDir: sweep.paths.taskDir(row.name),
    });
  }
  return { adopted, all: [...byName.values()] };
}

// The directory tasks run in, resolved when a run starts: the recorded project root while it exists,
// else the project this command runs in (the project was moved or renamed since the sweep was
// created: command.sh would `cd` to a path that is gone and every task would fail with exit 126).
function resolveProjectRoot(sweep: OpenSweep, project: ProjectContext, notices: string[]): string {
  const recorded = sweep.metadata.project_root;
  if (!recorded || recorded === project.projectRoot) return project.projectRoot;
  if (existsSync(recorded)) return recorded;
  notices.push(`project moved: ${recorded} -> ${project.projectRoot} (tasks run there from now on)`);
  sweep.metadata.project_root = project.projectRoot;
  writeFileAtomic(sweep.paths.metadata, renderYaml(sweep.metadata));
  return project.projectRoot;
}

function markSweepFinished(sweep: OpenSweep, sources: readonly string[]): void {
  const counts = sweep.store.counts();
  const done = counts.pending + counts.queued + counts.running === 0;
  const now = new Date().toISOString();
  sweep.metadata.sources = [...new Set([...(sweep.metadata.sources ?? []), ...sources])];
  const meta = {
    ...sweep.metadata,
    updated_at: now,
    completed_at: done && counts.failed + counts.lost + counts.cancelled === 0 ? now : null,
  };
  sweep.metadata.updated_at = now;
  writeFileAtomic(sweep.paths.metadata, renderYaml(meta));
}

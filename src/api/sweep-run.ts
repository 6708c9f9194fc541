import { cpus } from 'node:os';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HsmError } from '../domain/errors.js';
import { parseDuration } from '../domain/duration.js';
import type { TaskSpec } from '../domain/task.js';
import { SweepEngine, type EngineResult } from '../engine/sweep-engine.js';
import type { ComputeSource, TaskRow } from '../engine/ports.js';
import { LocalSource } from '../compute/local/local-source.js';
import { AdoptedAttempts } from '../compute/local/adopted-attempts.js';
import { LocalTaskWorkspace } from '../state/task-workspace.js';
import {
  createSweepDirectory,
  openSweepDirectory,
  locateSweep,
  listSweepIds,
  type OpenSweep,
} from '../state/sweep-directory.js';
import { buildSweepMetadata } from '../state/sweep-files.js';
import { formatSweepId, uniqueSweepId } from '../state/sweep-id.js';
import { readGitInfo } from '../state/git-info.js';
import { SweepLock } from '../state/sweep-lock.js';
import { SweepLog } from '../state/sweep-log.js';
import { isProcessAlive, readProcessCommandLine } from '../state/process-liveness.js';
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

// Running sweeps: create one from a sweep file and run it, or complete one that exists (after a
// crash, a Ctrl-C, or on another source). The CLI and the dashboard call these.

export interface RunOptions {
  sources?: string[];
  jobs?: number;
  retries?: number;
  retryDelayMs?: number;
  timeout?: string;
  killGraceMs?: number;
  onTask?: (task: TaskRow, event: 'queued' | 'started' | 'finished' | 'retrying') => void;
  onLog?: (line: string) => void;
}

export interface PlanRequest {
  sweepFile?: string;
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
  const file = req.sweepFile ?? resolve(project.projectRoot, project.config.defaults.sweep_file);
  const { definition, warnings } = loadSweepDefinition(file, {
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
  const ids = new Set(listSweepIds(project.outputDir));
  if (sweepId && (ids.has(sweepId) || existsSync(join(project.outputDir, sweepId)))) {
    throw new HsmError('usage', `sweep ${sweepId} already exists in ${project.outputDir}`, {
      hint: `finish it with \`hsm complete ${sweepId}\`, or choose another --sweep-id`,
    });
  }
  const now = new Date();
  const id =
    sweepId ??
    uniqueSweepId(
      formatSweepId(plan.definition.name, now),
      (c) => ids.has(c) || existsSync(join(project.outputDir, c)),
    );
  const git = await readGitInfo(project.projectRoot);
  return createSweepDirectory({
    outputDir: project.outputDir,
    id,
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

// Runs the tasks of an open sweep that still need running: pending and lost ones (and failed or
// cancelled ones with `retryFailed`); attempts left running by a dead hsm are adopted, not rerun.
export function executeSweep(
  project: ProjectContext,
  sweep: OpenSweep,
  options: RunOptions & { retryFailed?: boolean },
): SweepRun {
  const lock = SweepLock.acquire(sweep.paths.lock, sweep.id);
  try {
    const sources = buildSources(project, options);
    const notices: string[] = [];
    const projectRoot = resolveProjectRoot(sweep, project, notices);
    const workspace = new LocalTaskWorkspace(sweep.paths, {
      sweepId: sweep.id,
      projectRoot,
      venv: project.config.project.venv ?? null,
      condaEnv: project.config.project.conda_env ?? null,
      mappingPages: () => sweep.store.mappingYamlPages(),
    });
    const previousRunners = readRunnerPids(sweep);
    const adoptedSource = new AdoptedAttempts(sources[0]!.name, workspace, previousRunners, (task, attempt) =>
      workspace.withdrawAttempt(task, attempt),
    );
    const adopted: { row: TaskRow; attempt: number; source: ComputeSource; startedAt: number | null }[] = [];
    for (const row of sweep.store.tasksWithStatus(['queued', 'running'])) {
      const started = workspace.readStarted(row.name, row.attempts);
      adoptedSource.adopt(row.name, row.attempts, started?.pid ?? null);
      adopted.push({
        row,
        attempt: row.attempts,
        source: adoptedSource,
        startedAt: started?.at ?? row.startedAt,
      });
    }
    const planned = sweep.store.taskNamesWithStatus(
      options.retryFailed ? ['pending', 'lost', 'failed', 'cancelled'] : ['pending', 'lost'],
    );
    const total = Object.values(sweep.store.counts()).reduce((a, b) => a + b, 0);
    const lastPids = { text: '' };
    const log = new SweepLog(sweep.paths.sweepLog, 500, options.onLog ?? null);
    log.write('info', 'run:start', {
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
      retryDelayMs: options.retryDelayMs ?? 1000,
      timeoutMs: options.timeout
        ? parseDuration(options.timeout)
        : project.config.defaults.timeout
          ? parseDuration(String(project.config.defaults.timeout))
          : null,
      killGraceMs: options.killGraceMs ?? 5000,
      onTask: (row, event) => {
        if (event === 'started') recordRunnerPids(sweep, sources, previousRunners, lastPids);
        log.write(
          row.status === 'failed' || row.status === 'lost' ? 'warn' : 'info',
          `task:${event === 'finished' || event === 'retrying' ? row.status : event}`,
          {
            task: row.name,
            attempt: row.attempts,
            source: row.source,
            ...(event === 'finished' || event === 'retrying'
              ? {
                  exit_code: row.exitCode,
                  reason: row.reason,
                  detail: row.detail,
                  retrying: event === 'retrying',
                }
              : {}),
          },
        );
        options.onTask?.(row, event);
      },
    });
    const result = engine.run().finally(async () => {
      for (const s of sources) await s.close();
      log.write('info', 'run:end', { counts: sweep.store.counts() });
      log.close();
      markSweepFinished(
        sweep,
        sources.map((s) => s.name),
      );
      lock.release();
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

// Opens an existing sweep by id, unique prefix or path.
export function openSweep(
  project: ProjectContext,
  idOrPrefix?: string,
  options: { readonly?: boolean } = {},
): OpenSweep {
  return openSweepDirectory(locateSweep(project.outputDir, idOrPrefix), options);
}

function buildSources(project: ProjectContext, options: RunOptions): ComputeSource[] {
  const names = options.sources && options.sources.length > 0 ? options.sources : ['local'];
  if (names.length > 1) {
    throw new HsmError(
      'usage',
      `several sources at once (${names.join(', ')}) are not available yet: only the local source runs tasks`,
      {
        hint: 'run with --source local',
      },
    );
  }
  const name = names[0]!;
  const configured = project.config.sources?.[name];
  if (!configured && name !== 'local') {
    const known = Object.keys(project.config.sources ?? {});
    throw new HsmError('config', `unknown source "${name}"`, {
      hint: known.length
        ? `sources in hsm_config.yaml: ${known.join(', ')}`
        : 'define it under `sources:` in hsm_config.yaml',
    });
  }
  const type = configured?.type ?? 'local';
  if (type !== 'local') {
    throw new HsmError(
      'config',
      `source "${name}" has type ${type}, which this version of hsm cannot run yet`,
      {
        hint: 'use a local source (type: local) for now',
      },
    );
  }
  const slots =
    options.jobs ??
    (configured?.max_parallel as number | undefined) ??
    project.config.defaults.jobs ??
    cpus().length;
  if (!Number.isInteger(slots) || slots < 1)
    throw new HsmError('usage', `--jobs must be a positive integer, got ${slots}`);
  return [new LocalSource({ name, slots, onLog: options.onLog })];
}

// Records the runners' pids (when they change) so a later `hsm complete` can wait for them after a
// crash; runners of an earlier crashed run that are still finishing stay on the list.
function recordRunnerPids(
  sweep: OpenSweep,
  sources: readonly ComputeSource[],
  previous: readonly number[],
  last: { text: string },
): void {
  const pids = [
    ...previous.filter(isProcessAlive),
    ...sources.flatMap((s) => (s instanceof LocalSource ? s.runnerPids() : [])),
  ];
  const text = JSON.stringify(pids);
  if (last.text === text) return;
  sweep.store.setMeta('runner_pids', text);
  last.text = text;
}

// Runners of an earlier hsm process of this sweep that are still alive (it died: kill -9).
function readRunnerPids(sweep: OpenSweep): number[] {
  let pids: number[];
  try {
    pids = JSON.parse(sweep.store.getMeta('runner_pids') ?? '[]') as number[];
  } catch {
    return [];
  }
  return pids.filter((p) => isProcessAlive(p) && (readProcessCommandLine(p) ?? '').includes('hsm-runner.sh'));
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

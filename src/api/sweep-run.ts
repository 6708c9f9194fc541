import { existsSync } from 'node:fs';
import { parseTimeLimit } from '../domain/duration.js';
import { SweepEngine, type AdoptedAttempt, type EngineResult } from '../engine/sweep-engine.js';
import type { ComputeSource, TaskRow } from '../engine/ports.js';
import { buildSource } from '../compute/source-registry.js';
import type { SweepContext } from '../compute/source-context.js';
import { LocalTaskWorkspace } from '../state/task-workspace.js';
import type { OpenSweep } from '../state/sweep-directory.js';
import { SweepLock } from '../state/sweep-lock.js';
import { SweepLog } from '../state/sweep-log.js';
import type { Diagnosis } from '../diagnose/index.js';
import { FindingsRecorder } from './findings-recorder.js';
import { selectTasks } from './task-selection.js';
import { writeFileAtomic } from '../state/atomic-write.js';
import { renderYaml } from '../state/sweep-files.js';
import type { ProjectContext } from './project.js';
import { reconcileSweep } from './reconcile-sweep.js';
import { applySourceResources, readSourceResources } from './source-resources.js';
import { storageFailureOf } from '../engine/storage-failure.js';
import { storageFailureError } from './storage-failure-error.js';
import { sweepContext } from './sweep-context.js';
import { buildSources, sourceConfig } from './run-sources.js';
import { plural } from '../domain/plural.js';

// Running the tasks of a sweep that exists (just created by sweep-plan.ts, or after a crash, a
// Ctrl-C, or on another source), and cancelling what a dead hsm process left. The CLI and the
// dashboard call these.

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
  /** Returns once every task is handed over to sources whose jobs outlive this process, leaving
   * them queued or running (`--detach` on a batch scheduler). */
  leaveWhenHandedOver?: boolean;
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
  /** Attempts in flight on sources whose jobs outlive this process (a batch scheduler's queue). */
  leavable(): number;
  /** Ends the run leaving those attempts queued or running (`hsm complete` adopts them later);
   * attempts on other sources are cancelled. */
  leave(): void;
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
        `the store was behind the task directories for ${plural(reconciled.length, 'task')} (${reconciled.slice(0, 5).join(', ')}${reconciled.length > 5 ? ', ...' : ''}): corrected from their exit and start records`,
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
      leaveWhenHandedOver: options.leaveWhenHandedOver,
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
      leavable: () => engine.leavable(),
      leave: () => engine.leave('interrupt'),
    };
  } catch (err) {
    lock.release();
    // a write before the engine runs (the store's reconciliation, the run's sources, a source taking
    // over attempts) found the disk full: said as such (exit 3), not as a bug
    const failure = storageFailureOf(err);
    throw failure ? storageFailureError(sweep.id, sweep.paths.dir, failure) : err;
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
  sshConfigFile?: string,
): Promise<{ cancelled: string[]; withdrawn: string[] }> {
  const left = sweep.store.taskNamesWithStatus(['queued', 'running']);
  const run = executeSweep(project, sweep, { adoptOnly: true, killGraceMs: graceMs, sshConfigFile });
  run.cancel();
  await run.result;
  const rows = left.map((name) => sweep.store.task(name)!);
  return {
    cancelled: rows.filter((r) => r.status === 'cancelled').map((r) => r.name),
    withdrawn: rows.filter((r) => r.status === 'pending').map((r) => r.name),
  };
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

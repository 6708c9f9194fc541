import { resolve } from 'node:path';
import { HsmError } from '../domain/errors.js';
import type { TaskSpec } from '../domain/task.js';
import { createSweepDirectory, type OpenSweep } from '../state/sweep-directory.js';
import { buildSweepMetadata } from '../state/sweep-files.js';
import { checkSweepId, formatSweepId } from '../state/sweep-id.js';
import { readGitInfo } from '../state/git-info.js';
import {
  loadSweepDefinition,
  displayPath,
  countTasks,
  generateTasks,
  iterateTasks,
  LARGE_SWEEP_TASKS,
  type SweepDefinition,
  type Diagnostic,
} from '../sweep/index.js';
import { buildDefaultCommand } from '../config/index.js';
import { missingScript } from './script-check.js';
import type { ProjectContext } from './project.js';
import { VERSION } from './version.js';
import { commandSweepDefinition } from './command-sweep.js';

// A new sweep: a sweep file (or one command) planned into tasks, then its sweep directory created.

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
  const where = req.command !== undefined ? '--cmd' : displayPath(file, project.cwd);
  return {
    definition,
    total,
    warnings: [...warnings, ...missingScript(definition, project.projectRoot, where)],
    tasks,
  };
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

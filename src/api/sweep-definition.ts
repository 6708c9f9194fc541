import { homedir } from 'node:os';
import { resolve } from 'node:path';
import {
  buildDefaultCommand,
  buildDefaultConfig,
  findGitRoot,
  findProjectConfigFile,
  initProject,
  loadProjectConfig,
} from '../config/index.js';
import type { InitResult } from '../config/init-project.js';
import type { ProjectConfig } from '../config/project-config.js';
import { HsmError } from '../domain/errors.js';
import type { TaskSpec } from '../domain/task.js';
import {
  countTasks,
  displayPath,
  generateTasks,
  hasErrors,
  inspectSweepFile,
  loadSweepDefinition,
  type Diagnostic,
  type SweepDefinition,
} from '../sweep/index.js';

// Sweep files and hsm_config.yaml as the `validate`, `show` and `init` commands see them.

// What the CLI needs to print diagnostics, paths and values the way sweep/ writes them.
export { displayPath, formatDiagnostic, renderHydraValue } from '../sweep/index.js';
export type { Diagnostic } from '../sweep/index.js';

export interface SweepFileRequest {
  cwd?: string;
  /** The sweep file; default: hsm_config.yaml's `defaults.sweep_file`, else sweeps/sweep.yaml. */
  sweepFile?: string;
  overrides?: string[];
}

export interface SweepValidation {
  sweepFile: string;
  configFile: string | null;
  /** Config diagnostics first, then the sweep file's. */
  diagnostics: Diagnostic[];
  /** Task count when the sweep file is valid. */
  total: number | null;
  valid: boolean;
}

// Checks hsm_config.yaml and the sweep file; never throws for what is written in them (only when
// the sweep file cannot be read at all).
export function validateSweep(req: SweepFileRequest = {}): SweepValidation {
  const cwd = req.cwd ?? process.cwd();
  const { config, diagnostics: configDiagnostics } = loadConfigForValidation(cwd);
  const sweepFile = resolveSweepFile(cwd, config, req.sweepFile);
  const { definition, diagnostics } = inspectSweepFile(sweepFile, {
    cwd,
    overrides: req.overrides ?? [],
    defaultCommand: buildDefaultCommand(config),
  });
  const all = [...configDiagnostics, ...diagnostics];
  if (definition && !definition.name) {
    all.push({
      severity: 'suggestion',
      message: 'the sweep file has no `name:`; sweep ids will start with `sweep_`',
      file: displayPath(sweepFile, cwd),
      hint: 'add e.g. `name: lr-study` so sweep ids say what they are',
    });
  }
  return {
    sweepFile,
    configFile: config.file,
    diagnostics: all,
    total: definition && !hasErrors(all) ? countTasks(definition) : null,
    valid: !hasErrors(all),
  };
}

export interface SweepPreview {
  sweepFile: string;
  definition: SweepDefinition;
  total: number;
  tasks: TaskSpec[];
  warnings: Diagnostic[];
}

// The tasks a sweep file generates (the first `limit`), with their exact argv; throws
// HsmError('config') when the sweep file or hsm_config.yaml is invalid.
export function previewSweep(req: SweepFileRequest & { limit?: number } = {}): SweepPreview {
  const cwd = req.cwd ?? process.cwd();
  const config = loadProjectConfig(cwd);
  const sweepFile = resolveSweepFile(cwd, config, req.sweepFile);
  const { definition, warnings } = loadSweepDefinition(sweepFile, {
    cwd,
    overrides: req.overrides ?? [],
    defaultCommand: buildDefaultCommand(config),
  });
  const total = countTasks(definition);
  return {
    sweepFile,
    definition,
    total,
    tasks: generateTasks(definition, req.limit === undefined ? {} : { limit: req.limit }),
    warnings,
  };
}

// `hsm init`: writes hsm_config.yaml and sweeps/sweep.yaml (never over existing files unless
// `force`); throws HsmError('usage') when both exist and nothing was written.
export function initSweepProject(req: { cwd?: string; force?: boolean } = {}): InitResult {
  const result = initProject(req.cwd ?? process.cwd(), { force: req.force ?? false });
  if (result.written.length === 0) {
    throw new HsmError(
      'usage',
      `${result.skipped.map((f) => displayPath(f, req.cwd)).join(' and ')} already exist; nothing was written`,
      {
        hint: 'pass --force to overwrite them, or edit them by hand',
      },
    );
  }
  return result;
}

function resolveSweepFile(cwd: string, config: ProjectConfig, given: string | undefined): string {
  return given !== undefined ? resolve(cwd, given) : resolve(config.projectRoot, config.defaults.sweep_file);
}

function loadConfigForValidation(cwd: string): { config: ProjectConfig; diagnostics: Diagnostic[] } {
  try {
    const config = loadProjectConfig(cwd);
    return { config, diagnostics: config.diagnostics };
  } catch (err) {
    if (!(err instanceof HsmError) || err.code !== 'config' || !Array.isArray(err.details.diagnostics))
      throw err;
    // the file is invalid, not absent: the summary line names it
    const config = buildDefaultConfig(findGitRoot(cwd) ?? cwd);
    config.file = findProjectConfigFile(cwd, process.env.HOME ?? homedir())?.file ?? null;
    return { config, diagnostics: err.details.diagnostics as Diagnostic[] };
  }
}

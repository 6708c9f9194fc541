import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkSourceStarts } from '../compute/source-registry.js';
import {
  buildDefaultCommand,
  initProject,
  inspectProjectConfig,
  loadProjectConfig,
  type ConfigInspection,
} from '../config/index.js';
import type { InitResult } from '../config/init-project.js';
import { missingScript } from './script-check.js';
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
  /** The sweep file checked, or the default one looked for. */
  sweepFile: string;
  /** False when there is no sweep file to check: hsm_config.yaml alone was checked. */
  sweepFileFound: boolean;
  configFile: string | null;
  /** Config diagnostics first (with the sources' own checks), then the sweep file's. */
  diagnostics: Diagnostic[];
  /** Task count when the sweep file is valid. */
  total: number | null;
  valid: boolean;
}

// Checks hsm_config.yaml (what it says, and each source as a run would check it before starting)
// and the sweep file, reporting every problem of both at once; never throws for what is written in
// them. Without a sweep file (none given, the default absent) hsm_config.yaml alone is checked;
// with neither file there is nothing to check: HsmError('not_found').
export function validateSweep(req: SweepFileRequest = {}): SweepValidation {
  const cwd = req.cwd ?? process.cwd();
  const inspection = inspectProjectConfig(cwd);
  const { config } = inspection;
  const all = [...inspection.diagnostics, ...checkSources(inspection)];
  const sweepFile = resolveSweepFile(cwd, config, req.sweepFile);
  const found = req.sweepFile !== undefined || config.file === null || existsSync(sweepFile);
  let definition: SweepDefinition | null = null;
  if (found) {
    try {
      const inspected = inspectSweepFile(sweepFile, {
        cwd,
        overrides: req.overrides ?? [],
        defaultCommand: buildDefaultCommand(config),
      });
      definition = inspected.definition;
      all.push(...inspected.diagnostics);
      if (definition) all.push(...missingScript(definition, config.projectRoot, displayPath(sweepFile, cwd)));
    } catch (err) {
      // a sweep file that cannot be read is one more problem, beside the config's
      if (!(err instanceof HsmError) || config.file === null) throw err;
      all.push({
        severity: 'error',
        message: err.message,
        file: displayPath(sweepFile, cwd),
        hint: err.hint,
      });
    }
  } else {
    all.push({
      severity: 'suggestion',
      message: `no sweep file (${displayPath(sweepFile, cwd)} does not exist): hsm_config.yaml alone was checked`,
      hint: 'pass a sweep file (`hsm validate path/to/sweep.yaml`), or run `hsm init` to write one',
    });
  }
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
    sweepFileFound: found,
    configFile: config.file,
    diagnostics: all,
    total: definition && !hasErrors(all) ? countTasks(definition) : null,
    valid: !hasErrors(all),
  };
}

// Each source the file defines, checked as `hsm run` checks it before creating a sweep (an ssh
// workdir in another user's home, Slurm/PBS resources, a session's shell command missing here),
// reported at the source's name. A source with an error of its own in the file is not checked
// again (its faulty fields were left out: the check would report them a second time).
function checkSources(inspection: ConfigInspection): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const name of Object.keys(inspection.config.sources)) {
    const where = inspection.sourceAt[name];
    const [from, to] = where?.lines ?? [0, 0];
    const faulty = inspection.diagnostics.some(
      (d) => d.severity === 'error' && d.line !== undefined && d.line >= from && d.line <= to,
    );
    if (faulty) continue;
    try {
      checkSourceStarts(name, inspection.config);
    } catch (err) {
      if (!(err instanceof HsmError) || err.code !== 'config') throw err;
      out.push({
        severity: 'error',
        message: err.message.replace(/\.$/, ''),
        ...(inspection.display === null ? {} : { file: inspection.display }),
        ...(where?.line === undefined ? {} : { line: where.line }),
        ...(where?.col === undefined ? {} : { col: where.col }),
        ...(err.evidence ? { excerpt: err.evidence } : {}),
        ...(err.hint ? { hint: err.hint } : {}),
      });
    }
  }
  return out;
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
    warnings: [...warnings, ...missingScript(definition, config.projectRoot, displayPath(sweepFile, cwd))],
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

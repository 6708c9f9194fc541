import { cpus } from 'node:os';
import { HsmError } from '../domain/errors.js';
import type { ComputeSource } from '../engine/ports.js';
import {
  buildSource,
  checkSourceStarts,
  runnableSourceTypes,
  typeOutlivesRun,
} from '../compute/source-registry.js';
import type { SweepContext } from '../compute/source-context.js';
import type { SourceConfig } from '../config/index.js';
import type { OpenSweep } from '../state/sweep-directory.js';
import type { ProjectContext } from './project.js';
import type { RunOptions } from './sweep-run.js';

// Which sources a run uses, checked and built from hsm_config.yaml.

// The sources named on the command line (default: local), built by type.
export function buildSources(
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

/** Whether every one of these sources keeps its jobs without hsm (batch schedulers): a run on them
 * can return once its tasks are handed over (`--detach`). */
export function sourcesOutliveRun(project: ProjectContext, names: readonly string[]): boolean {
  return names.length > 0 && names.every((n) => typeOutlivesRun(sourceConfig(project, n).type));
}

// A source's entry in hsm_config.yaml; `local` needs none.
export function sourceConfig(project: ProjectContext, name: string, why?: string): SourceConfig {
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

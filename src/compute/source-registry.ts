import { HsmError } from '../domain/errors.js';
import type { ComputeSource } from '../engine/ports.js';
import type { ProjectConfig, SourceConfig, SourceType } from '../config/project-config.js';
import { readSshSource } from '../config/ssh-source.js';
import { parseDuration } from '../domain/duration.js';
import { SshSource } from './ssh/ssh-source.js';
import type { SweepContext } from './source-context.js';
import type { TaskEnvironment } from './command-script.js';
import { LocalSource } from './local/local-source.js';
import { readSsmSource } from '../config/ssm-source.js';
import { SsmSource } from './ssm/ssm-source.js';
import { checkSessionCommand } from './ssm/session-nodes.js';
import { slurmDialect } from './slurm/slurm-dialect.js';
import { buildSlurmSource } from './slurm/slurm-source.js';
import { buildPbsSource, checkPbsSettings } from './pbs/pbs-source.js';

// Compute sources are built here, by type, from their hsm_config.yaml entry: api/ never names a
// source class. A type with no builder is refused with a clear error, never run as another.

export interface SourceRequest {
  name: string;
  config: SourceConfig;
  project: ProjectConfig;
  /** Attempts at once (`--jobs`), over the config's max_parallel; null: the source's default. */
  slots: number | null;
}

/** How long an ssh host may stay silent before its tasks count as lost. */
const DEFAULT_LOST_AFTER_MS = 120_000;

type SourceBuilder = (req: SourceRequest, context: SweepContext) => ComputeSource;

const BUILDERS: Partial<Record<SourceType, SourceBuilder>> = {
  local: (req, context) =>
    new LocalSource({
      name: req.name,
      slots: req.slots ?? req.config.max_parallel ?? 1,
      context,
      environment: sourceEnvironment(req.config),
    }),
  ssh: (req, context) =>
    new SshSource({
      spec: readSshSource(req.project, req.name),
      slots: req.slots ?? req.config.max_parallel ?? null,
      context,
      // the project's venv/conda_env name paths on this machine: a host has its own fields
      environment: sourceEnvironment(req.config),
      client: context.sshConfigFile ? { configFile: context.sshConfigFile } : {},
      lostAfterMs: lostAfter(req.config),
      cleanRemote: req.config.clean_remote === true,
      setup: setupCommands(req.config),
    }),
  ssm: (req, context) =>
    new SsmSource({
      spec: readSsmSource(req.project, req.name),
      slots: req.slots ?? req.config.max_parallel ?? null,
      context,
      environment: sourceEnvironment(req.config),
      lostAfterMs: lostAfter(req.config),
      cleanRemote: req.config.clean_remote === true,
      setup: setupCommands(req.config),
    }),
  slurm: (req, context) =>
    buildSlurmSource(req.name, req.config, req.slots, context, sourceEnvironment(req.config)),
  pbs: (req, context) =>
    buildPbsSource(req.name, req.config, req.slots, context, sourceEnvironment(req.config)),
};

function setupCommands(config: SourceConfig): string[] {
  if (typeof config.setup === 'string') return [config.setup];
  return Array.isArray(config.setup) ? config.setup.map(String) : [];
}

function lostAfter(config: SourceConfig): number {
  return config.lost_after ? parseDuration(String(config.lost_after)) : DEFAULT_LOST_AFTER_MS;
}

export function buildSource(req: SourceRequest, context: SweepContext): ComputeSource {
  const build = BUILDERS[req.config.type];
  if (!build) {
    throw new HsmError(
      'config',
      `source "${req.name}" has type ${req.config.type}, which this version of hsm cannot run yet`,
      { hint: `sources hsm runs: ${Object.keys(BUILDERS).join(', ')}` },
    );
  }
  return build(req, context);
}

/** Refuses a source that cannot start from here (its shell command missing) or whose builder would
 * refuse its settings (an ssh workdir, a batch source's resource fields), before a sweep is created
 * for it; `hsm validate` reports these with the file's own problems. */
export function checkSourceStarts(name: string, project: ProjectConfig): void {
  const config = project.sources[name];
  if (config?.type === 'ssh') readSshSource(project, name);
  if (config?.type === 'ssm') checkSessionCommand(readSsmSource(project, name));
  if (config?.type === 'slurm') slurmDialect.readResources(name, config);
  if (config?.type === 'pbs') checkPbsSettings(name, config);
}

/** Whether a source of this type keeps its jobs when hsm ends (a batch scheduler's queue; the
 * built source says so too: ComputeSource.outlivesRun). */
export function typeOutlivesRun(type: SourceType): boolean {
  return type === 'slurm' || type === 'pbs';
}

/** The source types hsm can run. */
export function runnableSourceTypes(): SourceType[] {
  return Object.keys(BUILDERS) as SourceType[];
}

// A source's own environment fields (venv, conda_env, env, modules), over the project's.
export function sourceEnvironment(config: SourceConfig): TaskEnvironment {
  const env: TaskEnvironment = {};
  if (typeof config.venv === 'string') env.venv = config.venv;
  if (typeof config.conda_env === 'string') env.condaEnv = config.conda_env;
  if (config.env && typeof config.env === 'object')
    env.env = Object.fromEntries(
      Object.entries(config.env as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
    );
  if (Array.isArray(config.modules)) env.modules = config.modules.map(String);
  return env;
}

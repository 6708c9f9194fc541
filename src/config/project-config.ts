import type { TerminationReason } from '../domain/task.js';
import type { RetryPolicyEntry } from './retry-config.js';
import type { Diagnostic } from '../sweep/diagnostic.js';

// hsm_config.yaml as hsm uses it (docs/CLI.md "Files"): project paths, defaults, named compute
// sources and node groups. Paths in the file are relative to the file's directory.

export const SOURCE_TYPES = ['local', 'ssh', 'slurm', 'pbs', 'ssm'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/** One named compute source: its type and the fields of config/source-fields.ts it sets. */
export interface SourceConfig {
  type: SourceType;
  max_parallel?: number;
  host?: string;
  [field: string]: unknown;
}

/** A named command of `hsm exec @NAME`. */
export interface ExecCommandConfig {
  /** The nodes (a node set, `@group`s allowed); null: they are given on the command line. */
  nodes: string | null;
  /** Command lines run in order on each node, which stops at its first failure. */
  run: string[];
  /** Per-command timeout as written (`30s`), or null. */
  timeout: string | number | null;
}

export interface ProjectConfig {
  /** Absolute path of the file read; null when none was found (all defaults). */
  file: string | null;
  /** Where tasks run (their working directory) and relative paths start. */
  projectRoot: string;
  project: {
    root: string;
    /** A command name looked up on PATH (`python3`) or an absolute path. */
    python_interpreter: string | null;
    /** Absolute path. */
    training_script: string | null;
    conda_env: string | null;
    /** Absolute path of a virtualenv directory. */
    venv: string | null;
  };
  defaults: {
    jobs: number | null;
    retries: number | null;
    /** A duration as written (`90`, `5m`, `01:00:00`); see domain/duration.ts. */
    timeout: string | number | null;
    /** Relative to projectRoot (`sweeps/outputs`), or absolute when outside it. */
    output_dir: string;
    /** Relative to projectRoot (`sweeps/sweep.yaml`), or absolute when outside it. */
    sweep_file: string;
    /** What Ctrl-C does to tasks a batch scheduler holds (`--on-interrupt`); null: ask on a
     * terminal, cancel otherwise. */
    on_interrupt: 'ask' | 'cancel' | 'leave' | null;
  };
  sources: Record<string, SourceConfig>;
  /** Node groups for `hsm exec -g NAME` and `@NAME` in node sets: node set expressions, as written. */
  groups: Record<string, string[]>;
  /** Retry policy by termination reason (`retry:`), over the engine's defaults. */
  retry: Partial<Record<TerminationReason, RetryPolicyEntry>>;
  /** Named commands for `hsm exec @NAME`. */
  commands: Record<string, ExecCommandConfig>;
  /** Warnings and suggestions found while reading the file (errors are thrown). */
  diagnostics: Diagnostic[];
}

export const DEFAULT_OUTPUT_DIR = 'sweeps/outputs';
export const DEFAULT_SWEEP_FILE = 'sweeps/sweep.yaml';

// The configuration used when no hsm_config.yaml exists.
export function buildDefaultConfig(projectRoot: string): ProjectConfig {
  return {
    file: null,
    projectRoot,
    project: {
      root: projectRoot,
      python_interpreter: null,
      training_script: null,
      conda_env: null,
      venv: null,
    },
    defaults: {
      jobs: null,
      retries: null,
      timeout: null,
      output_dir: DEFAULT_OUTPUT_DIR,
      sweep_file: DEFAULT_SWEEP_FILE,
      on_interrupt: null,
    },
    sources: {},
    groups: {},
    retry: {},
    commands: {},
    diagnostics: [],
  };
}

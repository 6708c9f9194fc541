import type { SourceType } from './project-config.js';

// The fields each source type understands, with the kind of value each takes. A field not listed
// is refused at its file:line:col (with the nearest listed one, and the list): nothing would read it.
export type FieldKind =
  | 'string'
  | 'positive_int'
  | 'positive_number'
  | 'port'
  | 'duration'
  | 'string_list'
  | 'env_map'
  | 'string_or_list'
  | 'boolean'
  | 'mapping';

const COMMON: Record<string, FieldKind> = {
  max_parallel: 'positive_int',
  python_interpreter: 'string',
  conda_env: 'string',
  venv: 'string',
  env: 'env_map',
  setup: 'string_or_list',
};
const REMOTE: Record<string, FieldKind> = {
  host: 'string',
  user: 'string',
  port: 'port',
  identity_file: 'string',
  ssh_options: 'string_list',
  workdir: 'string',
  project_dir: 'string',
  sync_exclude: 'string_list',
  rsync_path: 'string',
  modules: 'string_list',
  lost_after: 'duration',
  clean_remote: 'boolean',
};
const BATCH: Record<string, FieldKind> = {
  account: 'string',
  array_throttle: 'positive_int',
  tasks_per_job: 'positive_int',
  modules: 'string_list',
  extra_directives: 'string_list',
  poll_interval: 'duration',
};

export const KNOWN_SOURCE_FIELDS: Record<SourceType, Record<string, FieldKind>> = {
  local: { ...COMMON },
  ssh: { ...COMMON, ...REMOTE },
  slurm: {
    ...COMMON,
    ...REMOTE,
    ...BATCH,
    partition: 'string',
    qos: 'string',
    time: 'duration',
    mem: 'string',
    gpus: 'string',
    gres: 'string',
    cpus_per_task: 'positive_int',
    nodes: 'positive_int',
    constraint: 'string',
  },
  ssm: {
    ...COMMON,
    nodes: 'string_or_list',
    hyperpod: 'mapping',
    shell_command: 'string',
    workdir: 'string',
    modules: 'string_list',
    lost_after: 'duration',
    clean_remote: 'boolean',
    region: 'string',
    profile: 'string',
    session_rate: 'positive_number',
    sync_exclude: 'string_list',
    s3_staging: 'string',
  },
  pbs: {
    ...COMMON,
    ...REMOTE,
    ...BATCH,
    queue: 'string',
    walltime: 'duration',
    select: 'string',
    resources: 'string',
    mem: 'string',
    ncpus: 'positive_int',
    ngpus: 'positive_int',
    flavour: 'string',
  },
};

// Fields a source type accepts in the schema but does not honour yet, with what to do instead. A
// setting hsm accepts, it honours: these are refused at their file:line:col until the source
// implements them (then the entry goes).
// With `host:` and `workdir:`, a batch source keeps a copy of the project and its sweep directories
// on the cluster (synced over ssh)
const SYNC_ONLY = (scheduler: string) => ({
  project_dir: `the project's place on the cluster is \`workdir:\` (with \`host:\`, the login node a ${scheduler} source syncs it through)`,
});

export const UNHONOURED_SOURCE_FIELDS: Partial<Record<SourceType, Record<string, string>>> = {
  slurm: {
    setup:
      'a slurm source runs no setup commands: prepare the environment once on the cluster and name it with `venv:`, `conda_env:` or `modules:`',
    python_interpreter:
      'a task runs the command of the sweep file; set the interpreter there, or as `project.python_interpreter`',
    lost_after:
      'a slurm source learns from Slurm itself when a job is gone (accounting): there is no host to lose',
    ...SYNC_ONLY('slurm'),
  },
  pbs: {
    setup:
      'a pbs source runs no setup commands: prepare the environment once on the cluster and name it with `venv:`, `conda_env:` or `modules:`',
    python_interpreter:
      'a task runs the command of the sweep file; set the interpreter there, or as `project.python_interpreter`',
    lost_after:
      'a pbs source learns from the PBS server itself when a job is gone (qstat): there is no host to lose',
    ...SYNC_ONLY('pbs'),
  },
  local: {
    setup:
      "the local source runs tasks in this machine's environment and runs no setup commands: put them in the venv or conda env (`venv:`, `conda_env:`), set variables with `env:`, or run them before `hsm run`",
    python_interpreter:
      'a task runs the command of the sweep file; set the interpreter there, or as `project.python_interpreter` (used when the sweep file has no `command:`)',
  },
};

// Why a value does not fit its kind, or null when it does.
export function checkSourceField(kind: FieldKind, value: unknown): string | null {
  switch (kind) {
    case 'string':
      return typeof value === 'string' || typeof value === 'number' ? null : 'must be a string';
    case 'positive_int':
      return typeof value === 'number' && Number.isInteger(value) && value >= 1
        ? null
        : 'must be a positive integer';
    case 'positive_number':
      return typeof value === 'number' && Number.isFinite(value) && value > 0
        ? null
        : 'must be a positive number';
    case 'mapping':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? null
        : 'must be a mapping';
    case 'port':
      return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535
        ? null
        : 'must be a port number';
    case 'duration':
      return (typeof value === 'string' && /^[\d:.\-hmsd ]+$/.test(value)) ||
        (typeof value === 'number' && value > 0)
        ? null
        : 'must be a duration such as "04:00:00", 90 or 5m';
    case 'string_list':
      return Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? null
        : 'must be a list of strings';
    case 'env_map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return 'must be a mapping of variable names to values';
      // the names are written into command.sh as `export NAME=...`: only shell variable names
      const bad = Object.keys(value).find((k) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k));
      if (bad !== undefined)
        return `names a variable ${JSON.stringify(bad)}, which is not a shell variable name`;
      return Object.values(value).every((v) => ['string', 'number', 'boolean'].includes(typeof v))
        ? null
        : 'must map each variable name to a string, number or boolean';
    }
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'string_or_list':
      return typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'))
        ? null
        : 'must be a string or a list of strings';
  }
}

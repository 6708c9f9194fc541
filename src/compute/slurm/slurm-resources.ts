import type { SourceConfig } from '../../config/project-config.js';
import { HsmError } from '../../domain/errors.js';

// The resource fields of a `type: slurm` source, read and checked once, before anything is
// submitted: a value sbatch would refuse later (or worse, read differently) is refused here at
// its name, with the fix. Every value ends up in an `#SBATCH` line of a job script.

export interface SlurmResources {
  partition: string | null;
  account: string | null;
  qos: string | null;
  /** Time limit in seconds (null: the partition's default). */
  timeSeconds: number | null;
  /** `--mem` as Slurm reads it: amount + unit (M when none was written). */
  mem: { amount: number; unit: 'K' | 'M' | 'G' | 'T' } | null;
  cpusPerTask: number | null;
  gpus: string | null;
  gres: string | null;
  nodes: number | null;
  constraint: string | null;
  /** Written as given after `#SBATCH `. */
  extraDirectives: string[];
}

const NAME = /^[A-Za-z0-9_.,+:=@-]+$/;
const TRES = /^[A-Za-z0-9_.,:=+-]+$/;
const CONSTRAINT = /^[A-Za-z0-9_.,:&|!*[\]()-]+$/;

function refuse(source: string, field: string, value: unknown, why: string, fix: string): never {
  throw new HsmError('config', `source "${source}": ${field}: ${JSON.stringify(value)} ${why}`, {
    hint: fix,
  });
}

function text(source: string, config: SourceConfig, field: string, pattern: RegExp, fix: string) {
  const v = config[field];
  if (v === undefined || v === null) return null;
  const s = String(v);
  if (!pattern.test(s)) refuse(source, field, v, 'is not a value sbatch takes', fix);
  return s;
}

function positive(source: string, config: SourceConfig, field: string): number | null {
  const v = config[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    refuse(source, field, v, 'is not a positive integer', `write a whole number, e.g. ${field}: 2`);
  return v;
}

/** Slurm's time forms (`MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`) and hsm's unit forms
 * (`90m`, `4h`, `1h30m`, `2d`) -> seconds; null when it is neither. A bare number is refused:
 * sbatch reads it as minutes, everywhere else in hsm it is seconds. */
export function parseSlurmTime(value: string): number | null {
  const t = value.trim();
  let m = /^(\d+)-(\d+)(?::(\d+)(?::(\d+))?)?$/.exec(t);
  if (m) return ((Number(m[1]) * 24 + Number(m[2])) * 60 + Number(m[3] ?? 0)) * 60 + Number(m[4] ?? 0);
  m = /^(?:(\d+):)?(\d+):(\d+)$/.exec(t);
  if (m) {
    // sbatch: `MM:SS` with two fields, `HH:MM:SS` with three
    return m[1] === undefined
      ? Number(m[2]) * 60 + Number(m[3])
      : (Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3]);
  }
  const re = /(\d+)(d|h|m|s)/gy;
  let total = 0;
  let pos = 0;
  for (let u = re.exec(t); u; u = re.exec(t)) {
    total += Number(u[1]) * { d: 86400, h: 3600, m: 60, s: 1 }[u[2] as 'd'];
    pos = re.lastIndex;
  }
  return pos > 0 && pos === t.length ? total : null;
}

/** Seconds -> `D-HH:MM:SS` (what the job script says). */
export function formatSlurmTime(seconds: number): string {
  const s = Math.ceil(seconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  const d = Math.floor(s / 86400);
  return `${d}-${pad(Math.floor((s % 86400) / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

function readTime(source: string, config: SourceConfig): number | null {
  const v = config.time;
  if (v === undefined || v === null) return null;
  const fix =
    'write the time limit as D-HH:MM:SS, HH:MM:SS, MM:SS or with units (90m, 4h, 2d); a bare number is ambiguous (sbatch reads minutes)';
  if (typeof v === 'number' || /^\d+$/.test(String(v)))
    refuse(
      source,
      'time',
      v,
      'is a bare number, which is ambiguous (sbatch reads minutes, hsm seconds)',
      fix,
    );
  if (typeof v !== 'string') refuse(source, 'time', v, 'is not a time limit', fix);
  const seconds = parseSlurmTime(v);
  if (seconds === null || seconds <= 0) refuse(source, 'time', v, 'is not a time limit', fix);
  return seconds;
}

function readMem(source: string, config: SourceConfig): SlurmResources['mem'] {
  const v = config.mem;
  if (v === undefined || v === null) return null;
  const m = /^(\d+)\s*([KMGT])?B?$/i.exec(String(v).trim());
  if (!m || Number(m[1]) <= 0)
    refuse(
      source,
      'mem',
      v,
      'is not a memory size',
      'write an amount with a unit, e.g. mem: 4G or mem: 500M',
    );
  return { amount: Number(m[1]), unit: (m[2]?.toUpperCase() ?? 'M') as 'M' };
}

// Options hsm writes itself and depends on; one in extra_directives would override it (a later
// #SBATCH line wins) and break what hsm relies on, so it is refused with what to do instead.
const HSM_OWNED: [RegExp, string][] = [
  [
    /^--requeue\b/,
    'hsm submits with --no-requeue and runs preempted and node-failed tasks again itself, as new attempts (retry: preempted / node_fail in hsm_config.yaml); a requeue would run an attempt again over its own records',
  ],
  [/^(--array\b|-a\b)/, 'hsm writes the array itself; limit how many run at once with array_throttle:'],
  [
    /^(--job-name\b|-J\b)/,
    'hsm names every job of a sweep hsm-<sweep id>, its one status call filters on it',
  ],
  [/^--comment\b/, 'hsm keeps its submission token in the job comment'],
  [
    /^(--output\b|-o\b|--error\b|-e\b)/,
    "the task's output is in its task directory; Slurm's own is under scripts/job_scripts/output/",
  ],
  [/^(--chdir\b|-D\b)/, "hsm runs each task in the project's directory; set the task's own with its command"],
];

function readDirectives(source: string, config: SourceConfig): string[] {
  const v = config.extra_directives;
  if (v === undefined || v === null) return [];
  const fix =
    'give each directive as sbatch options, e.g. extra_directives: ["--exclusive", "--mail-type=END"]';
  if (!Array.isArray(v)) refuse(source, 'extra_directives', v, 'is not a list', fix);
  return v.map((d) => {
    const s = String(d)
      .replace(/^#SBATCH\s+/, '')
      .trim();
    if (!s.startsWith('-') || /[\n\r]/.test(s))
      refuse(source, 'extra_directives', d, 'is not an sbatch option on one line', fix);
    const owned = HSM_OWNED.find(([re]) => re.test(s));
    if (owned)
      refuse(source, 'extra_directives', d, 'is an option hsm sets itself', `remove it: ${owned[1]}`);
    return s;
  });
}

export function readSlurmResources(source: string, config: SourceConfig): SlurmResources {
  return {
    partition: text(source, config, 'partition', NAME, 'name a partition `sinfo -s` lists'),
    account: text(source, config, 'account', NAME, 'name an account `sacctmgr show assoc` lists'),
    qos: text(source, config, 'qos', NAME, 'name a QOS `sacctmgr show qos` lists'),
    timeSeconds: readTime(source, config),
    mem: readMem(source, config),
    cpusPerTask: positive(source, config, 'cpus_per_task'),
    gpus: text(source, config, 'gpus', TRES, 'write a GPU count or type:count, e.g. gpus: 1 or gpus: a100:2'),
    gres: text(
      source,
      config,
      'gres',
      TRES,
      'write generic resources as sbatch takes them, e.g. gres: gpu:2',
    ),
    nodes: positive(source, config, 'nodes'),
    constraint: text(
      source,
      config,
      'constraint',
      CONSTRAINT,
      'write node features, e.g. constraint: "a100&ib"',
    ),
    extraDirectives: readDirectives(source, config),
  };
}

/** The resources of a retry (retry policy: memory x2 after an OOM, time x2 after a timeout). */
export function scaleSlurmResources(
  r: SlurmResources,
  scale: { mem?: number; time?: number },
): SlurmResources {
  return {
    ...r,
    mem: r.mem && scale.mem ? { ...r.mem, amount: Math.ceil(r.mem.amount * scale.mem) } : r.mem,
    timeSeconds: r.timeSeconds && scale.time ? Math.ceil(r.timeSeconds * scale.time) : r.timeSeconds,
  };
}

import type { SourceConfig } from '../../config/project-config.js';
import { parseDuration } from '../../domain/duration.js';
import { HsmError } from '../../domain/errors.js';
import type {
  AccountingEntry,
  BatchDialect,
  JobSpec,
  JobVerdict,
  QueueEntry,
  SchedulerLimits,
  SubmitFailure,
} from '../batch/batch-dialect.js';
import { classifyQsubFailure, qdelArgv, qstatArgv, qsubArgv } from './pbs-commands.js';
import { PBS_FLAVOURS, type PbsFlavour } from './pbs-flavour.js';
import { parsePbsJobId, parseQsubOutput } from './pbs-job-id.js';
import { pbsSize, type PbsResources } from './pbs-resources.js';
import { renderPbsScript } from './pbs-script.js';
import { parseQstat, type PbsJobStatus } from './pbs-status.js';
import { judgePbsJob, type PbsVerdict } from './pbs-verdict.js';
import { parseServerStatus } from './pbs-server.js';

// PBS Pro/OpenPBS and Torque as a batch dialect (compute/batch/batch-dialect.ts). The family is the
// source's `flavour:`; without one it is read from the server (`qstat -B -f`, the limits call)
// before the first submit. PBS has no job comment a user can set: the comment travels as the job's
// variable HSM_JOB_COMMENT (`-v`), which qstat -f lists in Variable_List.

export const COMMENT_VARIABLE = 'HSM_JOB_COMMENT';
const DEFAULT_MAX_ARRAY_SIZE = 10_000; // PBS Pro's default max_array_size

export class PbsDialect implements BatchDialect<PbsResources> {
  readonly scheduler = 'pbs';
  readonly submitProgram = 'qsub';
  #flavour: PbsFlavour | null;
  readonly #verdicts = new Map<string, PbsVerdict>();

  constructor(flavour: PbsFlavour | null) {
    this.#flavour = flavour;
  }

  get flavour(): PbsFlavour {
    if (!this.#flavour) {
      throw new HsmError('config', 'hsm could not tell whether the PBS server is PBS Pro/OpenPBS or Torque', {
        hint: 'set `flavour: pro` or `flavour: torque` in the source (qstat -B -f did not say)',
      });
    }
    return this.#flavour;
  }

  readResources(source: string, config: SourceConfig): PbsResources {
    return readPbsResources(source, config);
  }

  scaleResources(r: PbsResources, scale: { mem?: number; time?: number }): PbsResources {
    const out = { ...r };
    if (scale.time && r.walltimeMs !== undefined) out.walltimeMs = Math.ceil(r.walltimeMs * scale.time);
    if (scale.mem) {
      const times = (size: string) => {
        const m = /^(\d+)([a-z]*)$/.exec(size)!;
        return `${Math.ceil(Number(m[1]) * scale.mem!)}${m[2]}`;
      };
      if (r.mem !== undefined) out.mem = times(pbsSize('mem', r.mem));
      if (r.select !== undefined)
        out.select = r.select.replace(
          /mem=(\d+[a-z]*)/gi,
          (_, s: string) => `mem=${times(pbsSize('mem', s))}`,
        );
    }
    return out;
  }

  jobScript(job: JobSpec<PbsResources>): string {
    return renderPbsScript({
      flavour: this.flavour,
      name: job.name,
      comment: { variable: COMMENT_VARIABLE, value: job.comment },
      resources: job.resources,
      throttle: job.throttle,
      runner: job.runner,
      tasksDir: job.tasksDir,
      logDir: job.logDir,
      script: job.script,
      entries: job.elements,
    });
  }

  submitArgv(scriptPath: string): string[] {
    return qsubArgv(scriptPath);
  }

  parseSubmit(stdout: string): string {
    return parseQsubOutput(stdout).id;
  }

  classifySubmitError(exitCode: number | null, stderr: string): SubmitFailure {
    const message =
      stderr.trim().split('\n').slice(-3).join(' ') || `qsub exited ${exitCode ?? '(no answer)'}`;
    if (exitCode === null)
      return {
        kind: 'temporary',
        message: 'qsub did not answer in time',
        hint: 'the PBS server is slow or down; hsm looks for the job before it submits again',
      };
    const c = classifyQsubFailure(stderr);
    return { kind: c.temporary ? 'temporary' : 'permanent', message, hint: c.hint };
  }

  limitsArgv(): string[] {
    return ['qstat', '-B', '-f'];
  }

  parseLimits(stdout: string): SchedulerLimits {
    const server = parseServerStatus(stdout);
    this.#flavour ??= server.flavour;
    return { maxArraySize: server.maxArraySize ?? DEFAULT_MAX_ARRAY_SIZE };
  }

  /** PBS qstat cannot filter by name: it is given the sweep's job ids (history included). With
   * none (a submit's answer was lost) it lists the live jobs the user may see. */
  queueArgv(_jobName: string, jobIds: readonly string[] = []): string[] {
    return jobIds.length ? qstatArgv(this.flavour, jobIds) : this.findArgv();
  }

  /** qstat exits non-zero when one of the listed jobs is unknown (purged from the history: Torque
   * keeps a finished job for keep_completed seconds only) yet prints the others. */
  statusExitOk(exitCode: number, stderr: string): boolean {
    const lines = stderr.split('\n').filter((l) => l.trim() !== '');
    return exitCode !== 0 && lines.every((l) => /Unknown Job Id|Job has finished/i.test(l));
  }

  parseQueue(stdout: string): QueueEntry[] {
    return parseQstat(stdout).flatMap((j) => {
      const v = judgePbsJob(j, this.flavour);
      if (v.phase === 'finished' || j.id.kind === 'array') return [];
      return [
        {
          ...place(j),
          state: j.state,
          phase: v.phase,
          reason: v.phase === 'queued' ? v.detail : null,
          node: j.host,
          name: j.name ?? '',
          comment: commentOf(j),
        },
      ];
    });
  }

  accountingArgv(jobIds: readonly string[]): string[] {
    return qstatArgv(this.flavour, jobIds);
  }

  parseAccounting(stdout: string): AccountingEntry[] {
    return parseQstat(stdout).flatMap((j) => {
      if (j.id.kind === 'array') return [];
      const v = judgePbsJob(j, this.flavour);
      if (v.phase !== 'finished') return [];
      const where = place(j);
      // the verdict uses what AccountingEntry does not carry (walltime and memory used vs asked)
      this.#verdicts.set(`${where.jobId} ${where.index}`, v);
      return [
        {
          ...where,
          state: j.state,
          exitCode: j.exitStatus,
          signal: j.exitStatus !== null && j.exitStatus > 256 ? j.exitStatus - 256 : null,
          reason: v.detail,
          node: j.host,
          restarts: Math.max(0, (j.runCount ?? 1) - 1),
          startedAt: null,
          endedAt: null,
          comment: commentOf(j),
        },
      ];
    });
  }

  /** Live jobs visible to the user, full format: found again by their comment. */
  findArgv(): string[] {
    return this.flavour === 'pro' ? ['qstat', '-f', '-t', '-F', 'json'] : ['qstat', '-f', '-t'];
  }

  verdict(entry: AccountingEntry): JobVerdict {
    const known = this.#verdicts.get(`${entry.jobId} ${entry.index}`);
    if (known) return { reason: known.reason ?? null, detail: known.detail };
    const status: PbsJobStatus = {
      id: parsePbsJobId(entry.jobId)!,
      name: null,
      state: entry.state,
      substate: null,
      exitStatus: entry.exitCode,
      walltimeUsedS: null,
      walltimeLimitS: null,
      memUsedKb: null,
      memLimitKb: null,
      runCount: entry.restarts + 1,
      comment: null,
      variables: new Map(),
      host: entry.node,
    };
    const v = judgePbsJob(status, this.flavour);
    return { reason: v.phase === 'finished' ? (v.reason ?? null) : null, detail: entry.reason ?? v.detail };
  }

  cancelArgv(jobIds: readonly string[]): string[] {
    return qdelArgv(jobIds);
  }

  elementHandle(jobId: string, index: number): string {
    const id = parsePbsJobId(jobId);
    if (!id || id.kind !== 'array') return jobId;
    return `${id.sequence}[${index}]${id.server ? `.${id.server}` : ''}`;
  }
}

/** Where a job sits: `4711[3].srv` is element 3 of array `4711[].srv`; a plain job (one attempt:
 * PBS Pro refuses an array of one) is element 0 of itself. */
function place(j: PbsJobStatus): { jobId: string; index: number | null } {
  if (j.id.kind !== 'subjob') return { jobId: j.id.id, index: 0 };
  return { jobId: `${j.id.sequence}[]${j.id.server ? `.${j.id.server}` : ''}`, index: j.id.index };
}

function commentOf(j: PbsJobStatus): string | null {
  return j.variables.get(COMMENT_VARIABLE) ?? null;
}

/** The source's PBS fields, read and checked. */
export function readPbsResources(source: string, config: SourceConfig): PbsResources {
  const str = (k: string) => (config[k] === undefined ? undefined : String(config[k]));
  const int = (k: string) => (config[k] === undefined ? undefined : Number(config[k]));
  const r: PbsResources = {};
  const set = <K extends keyof PbsResources>(k: K, v: PbsResources[K] | undefined) => {
    if (v !== undefined) r[k] = v;
  };
  set('queue', str('queue'));
  set('account', str('account'));
  if (config.walltime !== undefined) set('walltimeMs', parseDuration(String(config.walltime)));
  set('select', str('select'));
  set('resources', str('resources'));
  if (config.mem !== undefined) set('mem', pbsSize('mem', String(config.mem)));
  set('ncpus', int('ncpus'));
  set('ngpus', int('ngpus'));
  if (Array.isArray(config.extra_directives)) set('extraDirectives', config.extra_directives.map(String));
  void source;
  return r;
}

/** The source's `flavour:`, or null to ask the server. */
export function readPbsFlavour(source: string, config: SourceConfig): PbsFlavour | null {
  const f = config.flavour;
  if (f === undefined) return null;
  if (typeof f === 'string' && (PBS_FLAVOURS as readonly string[]).includes(f)) return f as PbsFlavour;
  throw new HsmError(
    'config',
    `source "${source}" has flavour ${JSON.stringify(f)}, which is not a PBS family hsm knows`,
    {
      hint: 'write `flavour: pro` (PBS Pro, OpenPBS) or `flavour: torque`, or leave it out to ask the server',
    },
  );
}

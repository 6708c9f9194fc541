import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HsmError } from '../../domain/errors.js';
import type { AdoptRequest, ComputeSource, SourceEvent, SubmitRequest } from '../../engine/ports.js';
import { renderTaskScript, type TaskEnvironment } from '../command-script.js';
import type { SweepContext } from '../source-context.js';
import type { BatchDialect, JobTask } from './batch-dialect.js';
import { jobComment, jobName, submissionToken } from './job-identity.js';
import {
  nextScriptName,
  readLegacyJobRecord,
  readSubmissions,
  recordSubmittedJob,
  writeSubmission,
} from './job-record.js';
import { PermanentSubmitError, SchedulerUnreachableError, submitJob } from './job-submitter.js';
import { packIntoElements, stopPackedAttempt } from './packing.js';
import { PollSchedule } from './poll-schedule.js';
import { RemotePulls } from './remote-pulls.js';
import type { RemoteSweepDir } from './remote-sweep-dir.js';
import { prepareBatchSweep, type Prepared } from './batch-preparation.js';
import type { SchedulerClient } from './scheduler-client.js';
import { StatusRound, type Tracked } from './status-round.js';
import { plural } from '../../domain/plural.js';

// A batch scheduler (Slurm, PBS) as a compute source: the shared glue around a dialect. Attempts
// handed over together become one job array (split under the scheduler's MaxArraySize); each
// element runs its task with hsm's runner, which writes the same records as on every source. The
// task directories are on a filesystem the compute nodes share with this machine (what sbatch on
// a login node assumes too): the records are read here, the scheduler is asked only what they
// cannot say (status-round.ts), one status call a round for the whole sweep.

export interface BatchSourceOptions<R> {
  name: string;
  type: 'slurm' | 'pbs';
  dialect: BatchDialect<R>;
  resources: R;
  /** At most this many elements of an array run at once; null: no limit. */
  throttle: number | null;
  /** Attempts packed into one array element (`tasks_per_job`), run in turn by its runner. */
  tasksPerJob?: number;
  slots: number;
  context: SweepContext;
  environment: TaskEnvironment;
  client: SchedulerClient;
  /** The runner shipped with hsm; copied into the sweep so queued jobs survive an hsm upgrade. */
  runnerPath: string;
  /** The cluster does not share this machine's filesystem: the sweep directory's copy there. */
  remote?: RemoteSweepDir | null;
  /** `clean_remote`: with `remote`, the copies of finished tasks go as the run ends. */
  cleanRemote?: boolean;
  pollMinMs: number;
  pollMaxMs: number;
  submitBackoffMs: readonly number[];
}

const TICK_MS = 250;

export class BatchSource<R> implements ComputeSource {
  readonly name: string;
  readonly type: 'slurm' | 'pbs';
  readonly slots: number;
  /** The job script sets memory and time: a retry after an OOM or a timeout asks for more. */
  readonly scalesResources = true;
  /** Jobs belong to the scheduler: an interrupted run may leave them queued or running. */
  readonly outlivesRun = true;
  private readonly tracked = new Map<string, Tracked>();
  private readonly events: SourceEvent[] = [];
  private readonly schedule: PollSchedule;
  private readonly round: StatusRound<R>;
  private refused: string | null = null;
  /** No shared filesystem: what brings the task directories back from the cluster. */
  private readonly pulls: RemotePulls | null;
  private prepared: Prepared | null = null;

  constructor(private readonly o: BatchSourceOptions<R>) {
    this.name = o.name;
    this.type = o.type;
    this.slots = o.slots;
    this.pulls = o.remote ? new RemotePulls(o.remote, (l) => this.log(l)) : null;
    this.schedule = new PollSchedule({ minMs: o.pollMinMs, maxMs: o.pollMaxMs, callsPerMinute: 40 });
    this.round = new StatusRound(
      o.dialect,
      o.client,
      jobName(o.context.sweepId),
      this.schedule,
      (l) => this.log(l),
      this.pulls ? (tasks) => this.pulls!.pull(tasks, true) : undefined,
    );
  }

  capacity(): number {
    return this.refused ? 0 : Math.max(0, this.slots - this.tracked.size);
  }

  inFlight(): number {
    return this.tracked.size;
  }

  unavailable(): string | null {
    return this.refused;
  }

  async submit(requests: readonly SubmitRequest[]): Promise<void> {
    let prep: Awaited<ReturnType<BatchSource<R>['prepare']>>;
    try {
      prep = await this.prepare();
    } catch (err) {
      if (!(err instanceof SchedulerUnreachableError)) throw err;
      // nothing was submitted: the tasks stay pending, and the run says why no source is left
      this.refused = err.message;
      for (const r of requests) this.events.push(this.notSubmitted(r, err));
      return;
    }
    // attempts with the same resources go together, in arrays of at most MaxArraySize elements
    const groups = new Map<string, SubmitRequest[]>();
    for (const r of requests) {
      const s = r.scale ?? { mem: 1, time: 1 };
      const k = `${s.mem}x${s.time}`;
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    let handedOver = 0;
    let failure: unknown = null;
    for (const [k, group] of groups) {
      const [mem, time] = k.split('x').map(Number) as [number, number];
      const perArray = prep.maxArraySize * this.perJob;
      for (let i = 0; i < group.length; i += perArray) {
        const chunk = group.slice(i, i + perArray);
        try {
          await this.submitArray(chunk, prep, { mem, time });
          handedOver += chunk.length;
        } catch (err) {
          if (err instanceof SchedulerUnreachableError) {
            this.refused = err.message;
            for (const r of chunk) this.events.push(this.notSubmitted(r, err));
            continue;
          }
          failure ??= err;
          if (err instanceof PermanentSubmitError) this.refused = err.message;
          if (handedOver > 0 || i + chunk.length < group.length || groups.size > 1)
            for (const r of chunk) this.events.push(this.submitError(r, err));
        }
      }
    }
    if (handedOver === 0 && failure) {
      this.events.splice(0);
      throw failure;
    }
  }

  private async submitArray(
    chunk: readonly SubmitRequest[],
    prep: Prepared,
    scale: { mem: number; time: number },
  ): Promise<void> {
    const { context } = this.o;
    const token = submissionToken(chunk);
    const per = this.perJob;
    const script = `${nextScriptName(prep.scriptsDir)}.sh`;
    const scriptPath = join(prep.scriptsDir, script);
    const jobs = prep.jobsSee;
    const tasks: JobTask[] = chunk.map((r) => {
      writeFileSync(
        join(r.localDir, 'command.sh'),
        renderTaskScript(
          r,
          {
            sweepId: context.sweepId,
            sweepDir: jobs.sweepDir,
            taskDir: jobs.sweepDir === context.sweepDir ? r.localDir : `${jobs.sweepDir}/tasks/${r.task}`,
            projectRoot: jobs.projectRoot,
          },
          this.o.environment,
        ),
      );
      return { task: r.task, key: r.key, attempt: r.attempt, dir: r.task };
    });
    writeSubmission(
      scriptPath,
      token,
      chunk.map((r, position) => ({ task: r.task, attempt: r.attempt, index: Math.floor(position / per) })),
    );
    const elements = packIntoElements(tasks, per);
    const resources =
      scale.mem === 1 && scale.time === 1
        ? this.o.resources
        : this.o.dialect.scaleResources(this.o.resources, scale);
    const name = jobName(context.sweepId);
    const comment = jobComment(context.sweepId, token);
    writeFileSync(
      scriptPath,
      this.o.dialect.jobScript({
        name,
        comment,
        elements,
        tasksDir: `${jobs.sweepDir}/tasks`,
        throttle: this.o.throttle,
        runner: `${jobs.sweepDir}/scripts/hsm-runner.sh`,
        logDir: `${jobs.sweepDir}/scripts/job_scripts/output`,
        workdir: jobs.projectRoot,
        script: `${jobs.sweepDir}/scripts/job_scripts/${script}`,
        resources,
      }),
    );
    // no shared filesystem: the scripts and task directories go to the cluster's copy first
    await this.o.remote?.send([
      'scripts/hsm-runner.sh',
      `scripts/job_scripts/${script}`,
      ...chunk.map((r) => `tasks/${r.task}/`),
    ]);
    const submittedAt = Date.now();
    const jobId = await submitJob(this.o.dialect, this.o.client, {
      scriptPath: `${jobs.sweepDir}/scripts/job_scripts/${script}`,
      jobName: name,
      comment,
      submittedSince: submittedAt,
      backoffMs: this.o.submitBackoffMs,
      onLog: (l) => this.log(l),
    });
    recordSubmittedJob(scriptPath, jobId);
    this.log(`submitted ${plural(chunk.length, 'task')} as job ${jobId} (${scriptPath})`);
    chunk.forEach((r, position) => {
      const index = Math.floor(position / per);
      this.tracked.set(r.task, {
        task: r.task,
        attempt: r.attempt,
        localDir: r.localDir,
        jobId,
        index,
        token,
        since: submittedAt,
        started: false,
        phase: 'unknown',
        leftQueueAt: null,
        cancelRequested: false,
        packed: per > 1,
      });
    });
    this.schedule.soon(Date.now());
  }

  private get perJob(): number {
    return Math.max(1, this.o.tasksPerJob ?? 1);
  }

  adopt(attempts: readonly AdoptRequest[]): void {
    const submitted = readSubmissions(join(this.o.context.sweepDir, 'scripts', 'job_scripts'));
    for (const a of attempts) {
      const record = submitted.get(`${a.task}:${a.attempt}`) ?? readLegacyJobRecord(a.localDir, a.attempt);
      const fromHandle = /^(\d+)_(\d+)$/.exec(a.handle ?? '');
      if (!record && !fromHandle) {
        // never handed to the scheduler: the dead process stopped before its submit
        this.events.push({
          kind: 'finished',
          task: a.task,
          attempt: a.attempt,
          exitStatus: null,
          neverStarted: true,
          at: Date.now(),
        });
        continue;
      }
      this.tracked.set(a.task, {
        task: a.task,
        attempt: a.attempt,
        localDir: a.localDir,
        jobId: record?.jobId ?? fromHandle?.[1] ?? null,
        index: record?.index ?? Number(fromHandle![2]),
        token: record?.token ?? null,
        since: Date.now() - 7 * 86_400_000,
        started: a.handle !== null,
        phase: 'unknown',
        leftQueueAt: null,
        cancelRequested: false,
        packed: this.perJob > 1,
      });
    }
    this.schedule.soon(Date.now());
  }

  async poll(waitMs: number): Promise<SourceEvent[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (this.tracked.size > 0) {
        const due = this.schedule.due(Date.now(), 2);
        // no shared filesystem: the records are pulled here once a round, before they are read
        await this.pulls?.beforeRound(this.tracked.values(), due);
        const ended = await this.round.run([...this.tracked.values()], due);
        await this.pulls?.afterRound(ended.events);
        for (const e of ended.events) {
          this.events.push(e);
          if (e.kind === 'finished') this.tracked.delete(e.task);
        }
      }
      const now = Date.now();
      if (this.events.length > 0 || now >= deadline) break;
      await new Promise((r) => setTimeout(r, Math.min(TICK_MS, deadline - now)));
    }
    return this.events.splice(0);
  }

  /** `hsm collect`: with a remote sweep directory, these attempts' task directories come back. */
  async collect(attempts: readonly { task: string; attempt: number; localDir: string }[]) {
    return this.pulls ? this.pulls.collect(attempts) : { collected: [], missing: [], error: null };
  }

  /** `hsm collect` with `clean_remote`: the cluster's copies of these tasks (records back here). */
  async removeCollected(tasks: readonly string[]) {
    if (!this.o.cleanRemote || !this.pulls)
      return { removed: [], copyRemoved: false, where: null, error: null };
    return this.pulls.removeCopies(tasks);
  }

  async terminate(
    attempts: readonly { task: string; attempt: number }[],
    graceMs: number,
    why: 'timeout' | 'cancel' | 'withdraw' = 'cancel',
  ): Promise<void> {
    const handles = new Set<string>();
    const markers: string[] = [];
    const stopping = new Set(attempts.map((a) => `${a.task}:${a.attempt}`));
    for (const a of attempts) {
      const t = this.tracked.get(a.task);
      if (!t || t.attempt !== a.attempt) continue;
      if (why === 'withdraw' && t.started) continue;
      t.cancelRequested = true;
      if (t.jobId === null || t.index === null) continue;
      if (t.packed) {
        // one task of an allocation others share: stopped alone, through its directory; the
        // element itself goes only when every task it still holds is stopped (a cancel)
        stopPackedAttempt(t.localDir, t.attempt, t.started, graceMs);
        markers.push(`tasks/${t.task}/kill.${t.attempt}`);
        if (!t.started) markers.push(`tasks/${t.task}/withdrawn.${t.attempt}`);
        const rest = [...this.tracked.values()].filter((o) => o.jobId === t.jobId && o.index === t.index);
        if (why !== 'cancel' || rest.some((o) => !stopping.has(`${o.task}:${o.attempt}`))) continue;
      }
      handles.add(this.o.dialect.elementHandle(t.jobId, t.index));
    }
    // no shared filesystem: the runner looks for the markers in the cluster's copy
    if (this.o.remote && markers.length > 0)
      await this.o.remote.send(markers, false).catch((err: Error) => this.log(err.message));
    if (handles.size === 0) return;
    // one call for all of them (the scheduler takes a list), whatever the size of the sweep
    const r = await this.o.client.run({ argv: this.o.dialect.cancelArgv([...handles]), timeoutMs: 30_000 });
    if (r.exitCode !== 0)
      this.log(`cancel of ${plural(handles.size, 'job element')} failed: ${r.stderr.trim()}`);
    this.schedule.soon(Date.now());
  }

  async close(): Promise<void> {
    // queued and running jobs belong to the scheduler: they go on without hsm (`hsm complete`);
    // what ended and came back is no longer needed on the cluster
    if (this.o.cleanRemote) await this.pulls?.clean();
  }

  /** Scheduler calls issued so far, by program (benchmarks, logs). */
  schedulerCalls(): ReadonlyMap<string, number> {
    return this.o.client.counts;
  }

  private async prepare(): Promise<Prepared> {
    if (this.prepared) return this.prepared;
    const { context } = this.o;
    const p = await prepareBatchSweep({
      ...this.o,
      scriptsDir: join(context.sweepDir, 'scripts', 'job_scripts'),
      log: (l) => this.log(l),
    });
    // limits not known (the controller restarting): asked again next time
    if (p.limitsKnown) this.prepared = p;
    return p;
  }

  // An attempt not handed to the scheduler (its login node could not be reached): pending again.
  private notSubmitted(r: SubmitRequest, err: Error): SourceEvent {
    return {
      kind: 'finished',
      task: r.task,
      attempt: r.attempt,
      exitStatus: null,
      neverStarted: true,
      detail: `not submitted: ${err.message}`,
      at: Date.now(),
    };
  }

  private submitError(r: SubmitRequest, err: unknown): SourceEvent {
    const detail =
      err instanceof HsmError && err.hint
        ? `${err.message} (${err.hint})`
        : String((err as Error).message ?? err);
    return {
      kind: 'finished',
      task: r.task,
      attempt: r.attempt,
      exitStatus: null,
      reason: 'submit_error',
      detail,
      at: Date.now(),
    };
  }

  private log(line: string): void {
    this.o.context.onLog?.(`${this.name}: ${line}`);
  }
}

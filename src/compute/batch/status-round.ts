import { join } from 'node:path';
import { memoryKillInOutput } from './memory-kill.js';
import type { SourceEvent } from '../../engine/ports.js';
import { readExitRecord, readStartedRecord } from '../../process/task-records.js';
import type { AccountingEntry, BatchDialect, QueueEntry } from './batch-dialect.js';
import { judgeAttempt } from './judge-attempt.js';
import { reservedAttempt } from './packing.js';
import type { PollSchedule } from './poll-schedule.js';
import type { SchedulerClient } from './scheduler-client.js';

// One look at a batch source's attempts. The runner's records are read every time (a file read,
// no scheduler call): a start is reported from its `started` record, a success from its `exit`
// record. When a round is due (poll-schedule.ts), the scheduler is asked: ONE status call for the
// whole sweep (every job carries the sweep's name), and ONE accounting call for the elements that
// left the queue and have not been explained yet. A status call that fails (controller restarting)
// concludes nothing: the attempts wait for the next round.

export interface Tracked {
  task: string;
  attempt: number;
  localDir: string;
  /** null while unknown (adopted from a process that died during its submit: found by token). */
  jobId: string | null;
  index: number | null;
  token: string | null;
  /** When it was submitted (accounting is searched from there). */
  since: number;
  started: boolean;
  phase: QueueEntry['phase'] | 'gone' | 'unknown';
  leftQueueAt: number | null;
  cancelRequested: boolean;
  /** A non-zero exit record was seen (the scheduler was asked soon after). */
  exitSeen?: boolean;
  /** Packed with other attempts into its element (`tasks_per_job`). */
  packed: boolean;
  /** Its `started` record, once read. */
  startedRecord?: { host: string; at: number } | null;
}

// The records are read every 250 ms (a short task's end is seen at once), less often when reading
// them costs much CPU (at most ~5% of it: 1/RECORDS_COST_SHARE), at least every 2 s.
const RECORDS_MIN_MS = 250;
const RECORDS_MAX_MS = 2000;
const RECORDS_COST_SHARE = 20;
const QUEUED_READS_PER_LOOK = 1000;
const CALL_TIMEOUT_MS = 30_000;

export class StatusRound<R> {
  private recordsAt = 0;
  private recordsEveryMs = RECORDS_MIN_MS;
  private queuedCursor = 0;
  /** Elements (`job_index`) where a task has started: the allocation ran. */
  private readonly ran = new Set<string>();

  constructor(
    private readonly dialect: BatchDialect<R>,
    private readonly client: SchedulerClient,
    private readonly jobName: string,
    private readonly schedule: PollSchedule,
    private readonly log: (line: string) => void,
    /** Brings these tasks' records here before they are read for the verdict (no shared filesystem:
     * pulled after the status call, so an element that left the queue has its last records here). */
    private readonly refresh?: (tasks: readonly string[]) => Promise<void>,
  ) {}

  async run(tracked: readonly Tracked[], due: boolean): Promise<{ events: SourceEvent[] }> {
    const events: SourceEvent[] = [];
    const now = Date.now();
    if (now - this.recordsAt >= this.recordsEveryMs || due) {
      this.recordsAt = now;
      // its CPU time, not its wall time: on a loaded machine a look that waited for a CPU would
      // otherwise stretch the interval (a 65 ms wait made the next look 1.3 s later)
      const cpu = process.cpuUsage();
      this.readElements(tracked, events);
      const { user, system } = process.cpuUsage(cpu);
      this.recordsEveryMs = Math.min(
        RECORDS_MAX_MS,
        Math.max(RECORDS_MIN_MS, ((user + system) / 1000) * RECORDS_COST_SHARE),
      );
    }
    if (!due) return { events };
    const finishedBefore = new Set(events.filter((e) => e.kind === 'finished').map((e) => e.task));
    const queue = await this.queue(now, tracked);
    let changed = events.length > 0;
    const gone: Tracked[] = [];
    for (const t of tracked) {
      if (finishedBefore.has(t.task)) continue;
      if (t.jobId === null && queue !== 'unknown') {
        const hit = t.token ? queue.byComment.get(t.token) : undefined;
        if (hit) t.jobId = hit;
      }
      const entry =
        queue === 'unknown' || t.jobId === null ? undefined : queue.byElement.get(`${t.jobId}_${t.index}`);
      const phase = queue === 'unknown' ? t.phase : entry ? entry.phase : 'gone';
      if (phase !== t.phase) changed = true;
      t.phase = phase;
      if (queue !== 'unknown') t.leftQueueAt = entry ? null : (t.leftQueueAt ?? now);
      if (phase === 'gone') gone.push(t);
    }
    // the records first: an element that left the queue after its tasks wrote their exit records
    // needs no accounting call (the usual end of every element of a sweep that goes well)
    if (this.refresh && gone.length > 0) await this.refresh(gone.map((t) => t.task));
    const unexplained = gone
      .map((t) => ({ t, records: this.readRecords(t, events, true) }))
      .filter((g) => !g.records.finished);
    const accounting =
      unexplained.length > 0
        ? await this.accounting(
            unexplained.map((g) => g.t),
            now,
          )
        : new Map<string, AccountingEntry>();
    for (const { t, records: started } of unexplained) {
      if (t.jobId === null && t.token) {
        const found = [...accounting.values()].find((a) => a.comment?.endsWith(`:${t.token}`));
        if (found) t.jobId = found.jobId;
      }
      // an array cancelled while none of its elements had started is one record without an index
      // (sacct prints `123`, not `123_[0-3]`): it speaks for every element
      const acct =
        t.jobId === null
          ? null
          : (accounting.get(`${t.jobId}_${t.index}`) ?? accounting.get(`${t.jobId}_null`) ?? null);
      const j = judgeAttempt({
        queue: queue === 'unknown' ? 'unknown' : null,
        leftQueueAt: t.leftQueueAt,
        accounting: acct,
        verdict: acct ? this.dialect.verdict(acct) : null,
        started: started.record,
        exit: started.exit,
        cancelRequested: t.cancelRequested,
        packed: t.packed,
        elementRan: t.packed && this.ran.has(`${t.jobId}_${t.index}`),
        reserved: t.packed && reservedAttempt(t.localDir, t.attempt),
        now,
      });
      if (j.kind === 'wait') continue;
      changed = true;
      // accounting that is not OUT_OF_MEMORY settles a memory kill only with the element's own
      // output read: a cluster that enforces memory by polling kills with SIGKILL, records FAILED
      // and says so only there
      const memory = j.accounted && t.jobId !== null && t.index !== null ? this.memoryKill(t) : null;
      const reason = memory === 'killed' ? 'oom' : j.reason;
      const detail =
        memory === 'killed' ? 'Slurm killed it over its memory limit (the job output says so)' : j.detail;
      events.push({
        kind: 'finished',
        task: t.task,
        attempt: t.attempt,
        exitStatus: j.exitStatus,
        ...(reason ? { reason } : {}),
        ...(detail ? { detail } : {}),
        ...(j.neverStarted ? { neverStarted: true } : {}),
        ...(memory === 'not killed' ? { memoryAccounted: true } : {}),
        at: now,
      });
    }
    this.schedule.roundDone(Date.now(), changed);
    return { events };
  }

  // What the element's own output says of a memory kill; null when it cannot be read here (a
  // scheduler that names it otherwise, or not pulled from a remote workdir yet).
  private memoryKill(t: Tracked): 'killed' | 'not killed' | null {
    const name = this.dialect.elementOutputName?.(t.jobId!, t.index!);
    if (name === undefined) return null;
    // tasks live at <sweep>/tasks/<task>; job output at <sweep>/scripts/job_scripts/output
    return memoryKillInOutput(join(t.localDir, '..', '..', 'scripts', 'job_scripts', 'output', name));
  }

  // Between status calls the task directories are read, not the scheduler. An element's runner
  // works through its tasks in order, so each element is read from its first task still tracked
  // up to the first one not started (its records are two small files; a sweep of 1,000 tasks packed
  // into 10 elements reads ~20 files a look, not 2,000). Elements the last status call saw queued
  // are looked at too (their first task: started yet?), at most QUEUED_READS_PER_LOOK a look, in
  // turn: a packed element that starts and ends between two status calls is seen within a look,
  // and a sweep of 100,000 queued tasks costs no more than 1,000 reads a look.
  private readElements(tracked: readonly Tracked[], events: SourceEvent[]): void {
    const elements = new Map<string, Tracked[]>();
    for (const t of tracked) {
      const k = `${t.jobId}_${t.index}`;
      const e = elements.get(k);
      if (e) e.push(t);
      else elements.set(k, [t]);
    }
    const queued: Tracked[][] = [];
    for (const tasks of elements.values()) {
      if (tasks[0]!.phase === 'queued') queued.push(tasks);
      else this.readElement(tasks, events);
    }
    const n = Math.min(queued.length, QUEUED_READS_PER_LOOK);
    for (let i = 0; i < n; i++) {
      const tasks = queued[(this.queuedCursor + i) % queued.length]!;
      if (this.readRecords(tasks[0]!, events, false).record) {
        // it runs: read like the others from now on (the next status call says the same)
        for (const t of tasks) t.phase = 'running';
        this.readElement(tasks.slice(1), events);
      }
    }
    this.queuedCursor = queued.length > 0 ? (this.queuedCursor + n) % queued.length : 0;
  }

  // Tasks of one element in the order its runner runs them (the order they were handed over).
  private readElement(tasks: readonly Tracked[], events: SourceEvent[]): void {
    for (const t of tasks) {
      // the runner has not reached this one, so not the ones after it either (a withdrawn task,
      // which it skips, excepted)
      if (!this.readRecords(t, events, false).record && !t.cancelRequested) break;
    }
  }

  // Reads an attempt's records: reports its start once, and its success at once (`exit=0` needs no
  // scheduler's word). With `all`, also returns a non-zero exit record for the judge.
  private readRecords(
    t: Tracked,
    events: SourceEvent[],
    all: boolean,
  ): {
    record: { host: string; at: number } | null;
    exit: { exit: number; at: number } | null;
    finished: boolean;
  } {
    // a start record, once complete, does not change: read once (a running task is looked at
    // every 250 ms)
    const started = (t.startedRecord ??= readStartedRecord(join(t.localDir, 'started'), t.attempt));
    if (started && t.jobId !== null) this.ran.add(`${t.jobId}_${t.index}`);
    if (started && !t.started && t.jobId !== null && t.index !== null) {
      t.started = true;
      events.push({
        kind: 'started',
        task: t.task,
        attempt: t.attempt,
        handle: this.dialect.elementHandle(t.jobId, t.index),
        host: started.host,
        at: started.at,
      });
    }
    if (!started && !all) return { record: null, exit: null, finished: false };
    const exit = readExitRecord(join(t.localDir, 'exit'), t.attempt);
    // a failure needs the scheduler's word (time limit? memory?): ask soon, not at the next long wait
    if (exit && exit.exit !== 0 && !t.exitSeen) {
      t.exitSeen = true;
      this.schedule.soon(Date.now());
    }
    // a packed task's exit is final at once, whatever it is: its element goes on with the others
    const final = exit && (exit.exit === 0 || t.packed);
    if (final && !events.some((e) => e.kind === 'finished' && e.task === t.task)) {
      events.push({ kind: 'finished', task: t.task, attempt: t.attempt, exitStatus: exit.exit, at: exit.at });
      return { record: started, exit, finished: true };
    }
    return { record: started, exit, finished: false };
  }

  private async queue(now: number, tracked: readonly Tracked[]) {
    this.schedule.called(now);
    const ids = [...new Set(tracked.map((t) => t.jobId).filter((j): j is string => j !== null))];
    const r = await this.client.run({
      argv: this.dialect.queueArgv(this.jobName, ids),
      timeoutMs: CALL_TIMEOUT_MS,
    });
    if (!this.answered(r)) {
      this.log(
        `status call failed (${r.missing ? 'not found' : r.stderr.trim() || `exit ${r.exitCode}`}): asking again later`,
      );
      return 'unknown' as const;
    }
    const byElement = new Map<string, QueueEntry>();
    const byComment = new Map<string, string>();
    for (const e of this.dialect.parseQueue(r.stdout)) {
      if (e.comment) byComment.set(e.comment.slice(e.comment.lastIndexOf(':') + 1), e.jobId);
      for (const i of e.index !== null ? [e.index] : (e.indices ?? [])) byElement.set(`${e.jobId}_${i}`, e);
    }
    return { byElement, byComment };
  }

  private answered(r: { exitCode: number | null; stderr: string }): boolean {
    if (r.exitCode === 0) return true;
    return r.exitCode !== null && (this.dialect.statusExitOk?.(r.exitCode, r.stderr) ?? false);
  }

  private async accounting(gone: readonly Tracked[], now: number): Promise<Map<string, AccountingEntry>> {
    const out = new Map<string, AccountingEntry>();
    const ids = [...new Set(gone.map((t) => t.jobId).filter((j): j is string => j !== null))];
    const since = Math.min(...gone.map((t) => t.since)) - 3_600_000;
    // an attempt whose job id is not known yet (adopted from a submit cut short) is found by name
    const argv = gone.every((t) => t.jobId !== null)
      ? this.dialect.accountingArgv(ids, since)
      : this.dialect.findArgv(this.jobName, since);
    if (!argv) return out;
    this.schedule.called(now);
    const r = await this.client.run({ argv, timeoutMs: CALL_TIMEOUT_MS });
    if (!this.answered(r)) {
      this.log(`accounting call failed (${r.stderr.trim() || `exit ${r.exitCode}`}): asking again later`);
      return out;
    }
    for (const e of this.dialect.parseAccounting(r.stdout)) out.set(`${e.jobId}_${e.index}`, e);
    return out;
  }
}

import { join } from 'node:path';
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
}

const RECORDS_EVERY_MS = 500;
const CALL_TIMEOUT_MS = 30_000;

export class StatusRound<R> {
  private recordsAt = 0;
  /** Elements (`job_index`) where a task has started: the allocation ran. */
  private readonly ran = new Set<string>();

  constructor(
    private readonly dialect: BatchDialect<R>,
    private readonly client: SchedulerClient,
    private readonly jobName: string,
    private readonly schedule: PollSchedule,
    private readonly log: (line: string) => void,
  ) {}

  async run(tracked: readonly Tracked[], due: boolean): Promise<{ events: SourceEvent[] }> {
    const events: SourceEvent[] = [];
    const now = Date.now();
    if (now - this.recordsAt >= RECORDS_EVERY_MS || due) {
      this.recordsAt = now;
      for (const t of tracked) if (t.phase !== 'queued') this.readRecords(t, events, false);
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
    const accounting =
      gone.length > 0 ? await this.accounting(gone, now) : new Map<string, AccountingEntry>();
    for (const t of gone) {
      if (t.jobId === null && t.token) {
        const found = [...accounting.values()].find((a) => a.comment?.endsWith(`:${t.token}`));
        if (found) t.jobId = found.jobId;
      }
      const acct = t.jobId === null ? null : (accounting.get(`${t.jobId}_${t.index}`) ?? null);
      const started = this.readRecords(t, events, true);
      if (started.finished) continue;
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
      events.push({
        kind: 'finished',
        task: t.task,
        attempt: t.attempt,
        exitStatus: j.exitStatus,
        ...(j.reason ? { reason: j.reason } : {}),
        ...(j.detail ? { detail: j.detail } : {}),
        ...(j.neverStarted ? { neverStarted: true } : {}),
        at: now,
      });
    }
    this.schedule.roundDone(Date.now(), changed);
    return { events };
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
    const started = readStartedRecord(join(t.localDir, 'started'), t.attempt);
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

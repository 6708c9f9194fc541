import { join } from 'node:path';
import type { SourceEvent } from '../../engine/ports.js';
import { readExitRecord } from '../../process/task-records.js';
import type { RemoteSweepDir } from './remote-sweep-dir.js';

// What a batch source without a shared filesystem (`host:` and `workdir:`) brings back from the
// cluster's copy of the sweep directory: each task's records, logs and metrics, so that the engine,
// `hsm status`, `results` and `logs` read them here as on a shared filesystem. A round pulls before
// its records are read (tasksToPull), the status call pulls the elements it found gone (their
// records after it: see NOTES.md), and a task that ended is pulled once more before its end is
// reported, unless the status call already did.

/** Queued elements whose first task is pulled per round, in turn (a sweep of 100,000 queued tasks
 * must not cost 100,000 directories a round: status-round.ts reads as many). */
const QUEUED_PULLS = 1000;

export class RemotePulls {
  /** Tasks pulled in this look after their elements left the queue. */
  private readonly pulledAtEnd = new Set<string>();
  private queuedPullCursor = 0;
  /** Tasks whose last records came back after they ended (`clean_remote` removes only these). */
  private readonly back = new Set<string>();

  constructor(
    private readonly remote: RemoteSweepDir,
    private readonly log: (line: string) => void,
  ) {}

  /** Before a round reads records: on a due round, the tasks tasksToPull names. */
  async beforeRound(
    tracked: Iterable<{ task: string; jobId: string | null; index: number | null; phase: string }>,
    due: boolean,
  ): Promise<void> {
    this.pulledAtEnd.clear();
    if (!due) return;
    const pull = tasksToPull(tracked, this.queuedPullCursor);
    this.queuedPullCursor = pull.cursor;
    await this.pull(pull.tasks, false);
  }

  /** After the round: what a task wrote last (logs, metrics) is here before its end is reported. */
  async afterRound(events: readonly SourceEvent[]): Promise<void> {
    const finished = events
      .filter((e) => e.kind === 'finished' && !this.pulledAtEnd.has(e.task))
      .map((e) => e.task);
    if (finished.length > 0) await this.pull(finished, true);
  }

  /** The task directories of these tasks (and, at an end, the scheduler's output) from the cluster. */
  async pull(tasks: readonly string[], ending: boolean): Promise<void> {
    const paths = tasks.map((t) => `tasks/${t}/`);
    const error = await this.remote.fetch(ending ? [...paths, 'scripts/job_scripts/output/'] : paths);
    // pulled after the status call saw their elements leave the queue: nothing more will come
    if (ending && !error)
      for (const t of tasks) {
        this.pulledAtEnd.add(t);
        this.back.add(t);
      }
    if (error) this.log(`${error}; trying again next round`);
  }

  /** `clean_remote`, as the run ends: the cluster's copies of the task directories that came back. */
  async clean(): Promise<void> {
    const { error } = await this.remote.removeCollected([...this.back]);
    if (error) this.log(error);
    else this.back.clear();
  }

  /** `hsm collect` with `clean_remote`: the cluster's copies of these tasks, whose records are back
   * here (the caller checked), go; then the sweep's copy when no task directory is left in it. */
  async removeCopies(tasks: readonly string[]) {
    const r = await this.remote.removeCollected(tasks);
    return { ...r, where: this.remote.describe() };
  }

  /** `hsm collect`: these attempts' task directories (finished or not: a sweep no hsm follows has
   * its records there only) and the scheduler's output come back. */
  async collect(attempts: readonly { task: string; attempt: number; localDir: string }[]) {
    if (attempts.length === 0) return { collected: [], missing: [], error: null };
    const error = await this.remote.fetch([
      ...attempts.map((a) => `tasks/${a.task}/`),
      'scripts/job_scripts/output/',
    ]);
    const ended = (a: (typeof attempts)[number]) => readExitRecord(join(a.localDir, 'exit'), a.attempt);
    return { collected: attempts.filter(ended).map((a) => a.task), missing: [], error };
  }
}

/** Which tasks' directories a round pulls before reading records: every task of an element the
 * queue did not list as queued (running, gone, not asked yet), and the first task of queued
 * elements, QUEUED_PULLS of them in turn from `cursor` (has it started?). Pure. */
export function tasksToPull(
  tracked: Iterable<{ task: string; jobId: string | null; index: number | null; phase: string }>,
  cursor: number,
): { tasks: string[]; cursor: number } {
  const tasks: string[] = [];
  const queuedFirst: string[] = [];
  const seen = new Set<string>();
  // in hand-over order: an element's first task comes first
  for (const t of tracked) {
    if (t.phase !== 'queued') tasks.push(t.task);
    else if (!seen.has(`${t.jobId}_${t.index}`)) {
      seen.add(`${t.jobId}_${t.index}`);
      queuedFirst.push(t.task);
    }
  }
  const n = Math.min(queuedFirst.length, QUEUED_PULLS);
  for (let i = 0; i < n; i++) tasks.push(queuedFirst[(cursor + i) % queuedFirst.length]!);
  return { tasks, cursor: queuedFirst.length > 0 ? (cursor + n) % queuedFirst.length : 0 };
}

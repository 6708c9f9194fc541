import { TASK_STATUSES, type TaskStatus } from '../domain/task.js';
import type { StatusCounts } from '../engine/ports.js';
import type { SweepSummary } from './sweep-summary.js';
import type { SummaryRow, TaskTable } from './task-table.js';

// A sweep's summary (counts by status and source, the span of finished tasks) kept current from the
// store's events: each look reads only the tasks changed since the last one, where the store's own
// summary() groups every row (a 100,000-task sweep: ~50 ms a look, so a live page could look only
// every 2 s). The same numbers as summary(), which the tests compare it with.

interface Entry {
  status: TaskStatus;
  source: string | null;
  start: number | null;
  end: number | null;
}

const emptyCounts = () => Object.fromEntries(TASK_STATUSES.map((k) => [k, 0])) as StatusCounts;
const isFinished = (e: Entry) =>
  e.status !== 'pending' && e.status !== 'queued' && e.status !== 'running' && e.end !== null;

export class LiveSummary {
  private readonly tasks = new Map<string, Entry>();
  private readonly counts = emptyCounts();
  private readonly bySource = new Map<string, StatusCounts>();
  private finished = 0;
  private firstStart: number | null = null;
  private lastEnd: number | null = null;
  /** A finished task that held the span's start or end changed: the span is found again. */
  private spanStale = false;
  private lastId: number | null = null;

  constructor(
    private readonly table: TaskTable,
    /** Runs a read in one read transaction of the store (SweepStore.snapshot). */
    private readonly snapshot: <T>(read: () => T) => T,
  ) {}

  /** The summary as of the store's latest event (all rows the first time, then what changed). */
  current(): SweepSummary {
    const read = this.snapshot(() => {
      const upTo = this.table.lastEventId();
      if (upTo === this.lastId) return null;
      return { upTo, rows: this.table.summaryRows(this.lastId, upTo) };
    });
    if (read) {
      for (const row of read.rows) this.apply(row);
      this.lastId = read.upTo;
    }
    if (this.spanStale) this.findSpan();
    const bySource: Record<string, StatusCounts> = {};
    for (const source of [...this.bySource.keys()].sort())
      bySource[source] = { ...this.bySource.get(source)! };
    return {
      counts: { ...this.counts },
      bySource,
      finished: this.finished,
      firstStart: this.firstStart,
      lastEnd: this.lastEnd,
    };
  }

  private apply([name, status, source, start, end]: SummaryRow): void {
    const old = this.tasks.get(name);
    if (old) this.remove(old);
    const entry = { status, source, start, end };
    this.tasks.set(name, entry);
    this.add(entry);
  }

  private add(e: Entry): void {
    this.counts[e.status]++;
    if (e.source !== null) {
      let c = this.bySource.get(e.source);
      if (!c) this.bySource.set(e.source, (c = emptyCounts()));
      c[e.status]++;
    }
    if (!isFinished(e)) return;
    this.finished++;
    const first = e.start ?? e.end!;
    if (this.firstStart === null || first < this.firstStart) this.firstStart = first;
    if (this.lastEnd === null || e.end! > this.lastEnd) this.lastEnd = e.end;
  }

  private remove(e: Entry): void {
    this.counts[e.status]--;
    if (e.source !== null) {
      const c = this.bySource.get(e.source)!;
      c[e.status]--;
      if (TASK_STATUSES.every((s) => c[s] === 0)) this.bySource.delete(e.source);
    }
    if (!isFinished(e)) return;
    this.finished--;
    if ((e.start ?? e.end) === this.firstStart || e.end === this.lastEnd) this.spanStale = true;
  }

  private findSpan(): void {
    this.firstStart = null;
    this.lastEnd = null;
    for (const e of this.tasks.values()) {
      if (!isFinished(e)) continue;
      const first = e.start ?? e.end!;
      if (this.firstStart === null || first < this.firstStart) this.firstStart = first;
      if (this.lastEnd === null || e.end! > this.lastEnd) this.lastEnd = e.end;
    }
    this.spanStale = false;
  }
}

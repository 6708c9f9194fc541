import { TASK_STATUSES, type TaskStatus } from '../domain/task.js';
import type { StatusCounts } from '../engine/ports.js';

// Counts by status and by source, and the span of finished tasks (for an ETA), gathered from rows or
// from grouped counts: the same arithmetic whether a status call scans the tasks or the store groups them.
export interface SweepSummary {
  counts: StatusCounts;
  bySource: Record<string, StatusCounts>;
  finished: number;
  firstStart: number | null;
  lastEnd: number | null;
}

const emptyCounts = () => Object.fromEntries(TASK_STATUSES.map((k) => [k, 0])) as StatusCounts;

export class SummaryBuilder {
  private readonly s: SweepSummary = {
    counts: emptyCounts(),
    bySource: {},
    finished: 0,
    firstStart: null,
    lastEnd: null,
  };

  // One task (n = 1), or a group of n tasks with the earliest start and latest end among them.
  add(status: TaskStatus, source: string | null, start: number | null, end: number | null, n = 1): void {
    const s = this.s;
    s.counts[status] += n;
    if (source !== null) (s.bySource[source] ??= emptyCounts())[status] += n;
    if (status === 'pending' || status === 'queued' || status === 'running' || end === null) return;
    s.finished += n;
    const first = start ?? end;
    if (s.firstStart === null || first < s.firstStart) s.firstStart = first;
    if (s.lastEnd === null || end > s.lastEnd) s.lastEnd = end;
  }

  result(): SweepSummary {
    return this.s;
  }
}

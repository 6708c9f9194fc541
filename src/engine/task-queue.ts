import type { TaskRow } from './ports.js';

// What a run hands over next, and when: the plan in order, the tasks waiting for a retry (with the
// time they are due, their rows and the resource factors of their next attempt), and the tasks
// cancelled one by one, which this run does not hand over again.

export class TaskQueue {
  /** The plan in order; `head` is the next to hand over (no O(n) shifting on large sweeps). */
  private names: string[];
  private head = 0;
  /** Rows of tasks waiting for a retry (their attempt count and outcome are already in them). */
  private readonly retryRows = new Map<string, TaskRow>();
  /** When each task waiting for a retry is due. */
  private readonly retryAt = new Map<string, number>();
  /** Resource factors of a task's next attempts (retry policy: memory after an OOM, time after a timeout). */
  private readonly scales = new Map<string, { mem: number; time: number }>();
  /** Tasks cancelled one by one: this run does not hand them over again. */
  private readonly withheld = new Set<string>();

  constructor(
    plan: readonly string[],
    private readonly loadFromStore: (name: string) => TaskRow | null,
  ) {
    this.names = [...plan];
  }

  /** Tasks waiting to be handed over now. */
  get length(): number {
    return this.names.length - this.head;
  }

  /** Tasks waiting for a retry that is not due yet. */
  get waitingRetries(): number {
    return this.retryAt.size;
  }

  /** Back at the end of the queue at once, with its row as it stands (a rerun after a lost attempt). */
  requeue(row: TaskRow): void {
    this.retryRows.set(row.name, row);
    this.names.push(row.name);
  }

  /** Back at the end of the queue when `at` comes (moved there by `releaseDue`). */
  retryLater(row: TaskRow, at: number): void {
    this.retryAt.set(row.name, at);
    this.retryRows.set(row.name, row);
  }

  /** Queues the retries that are due. */
  releaseDue(now: number): void {
    for (const [name, at] of this.retryAt) {
      if (at <= now) {
        this.retryAt.delete(name);
        this.names.push(name);
      }
    }
  }

  /** Milliseconds until the next retry is due, at most `cap`. */
  nextRetryIn(now: number, cap: number): number {
    let wait = cap;
    for (const at of this.retryAt.values()) wait = Math.min(wait, Math.max(0, at - now));
    return wait;
  }

  /** Multiplies the resource factors of a task's next attempts. */
  scale(task: string, mem: number, time: number): void {
    const s = this.scales.get(task) ?? { mem: 1, time: 1 };
    this.scales.set(task, { mem: s.mem * mem, time: s.time * time });
  }

  scaleOf(task: string): { mem: number; time: number } | undefined {
    return this.scales.get(task);
  }

  /** A task cancelled on its own: not handed over again by this run. */
  withhold(name: string): void {
    this.withheld.add(name);
    this.retryAt.delete(name);
    this.retryRows.delete(name);
  }

  isWithheld(name: string): boolean {
    return this.withheld.has(name);
  }

  /** The rows of the next `n` tasks (fewer if some are withheld). */
  take(n: number): TaskRow[] {
    let batch = this.names.slice(this.head, this.head + n);
    this.head += batch.length;
    if (this.head > 4096 && this.head * 2 > this.names.length) {
      this.names = this.names.slice(this.head); // compact now and then
      this.head = 0;
    }
    if (this.withheld.size > 0) batch = batch.filter((name) => !this.withheld.has(name));
    return batch.map((name) => this.row(name));
  }

  private row(name: string): TaskRow {
    const retry = this.retryRows.get(name);
    if (retry) {
      this.retryRows.delete(name);
      return retry;
    }
    const row = this.loadFromStore(name);
    if (!row) throw new Error(`task ${name} is not in the sweep store`);
    return row;
  }
}

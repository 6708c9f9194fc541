// When to ask the scheduler again. The interval starts short (a job that fails at once is reported
// at once), grows by half each quiet round up to `maxMs`, and drops back when something changed.
// A budget caps the calls of any 60 s window whatever happens (a controller that answers errors
// fast must not be hammered): well under Slurm's RPC rate limits. Pure: time is passed in.

export interface PollScheduleOptions {
  minMs: number;
  maxMs: number;
  /** Scheduler calls allowed in any 60 s window. */
  callsPerMinute: number;
}

export class PollSchedule {
  private intervalMs: number;
  private nextAt = 0;
  private readonly calls: number[] = [];

  constructor(private readonly options: PollScheduleOptions) {
    this.intervalMs = options.minMs;
  }

  /** True when a round of status calls is due and `n` more calls fit the budget. */
  due(now: number, n = 1): boolean {
    if (now < this.nextAt) return false;
    while (this.calls.length > 0 && this.calls[0]! <= now - 60_000) this.calls.shift();
    return this.calls.length + n <= this.options.callsPerMinute;
  }

  /** Records a call made now. */
  called(now: number): void {
    this.calls.push(now);
  }

  /** A round ended: `changed` when something moved (the interval drops back to its minimum). */
  roundDone(now: number, changed: boolean): void {
    this.intervalMs = changed
      ? this.options.minMs
      : Math.min(this.options.maxMs, Math.round(this.intervalMs * 1.5));
    this.nextAt = now + this.intervalMs;
  }

  /** Ask soon (new jobs were submitted, a cancel was sent). */
  soon(now: number): void {
    this.intervalMs = this.options.minMs;
    this.nextAt = Math.min(this.nextAt, now + this.options.minMs);
  }

  /** Milliseconds until the next round is due (0: now). */
  waitMs(now: number): number {
    return Math.max(0, this.nextAt - now);
  }
}

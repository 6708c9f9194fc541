import type { AdoptRequest, ComputeSource, SourceEvent, SubmitRequest } from '../../src/engine/ports.js';

// A compute source that runs nothing: what happens to each attempt is scripted by the test. It
// exists so that the engine's own rules (a source's verdict, several sources at once, a failed
// submit, an adopted attempt that is lost) are tested without any particular source. Real sources
// are tested against real processes, sshd hosts and Slurm elsewhere.

export type Script = (req: {
  task: string;
  attempt: number;
}) => Omit<Extract<SourceEvent, { kind: 'finished' }>, 'kind' | 'task' | 'attempt' | 'at'>;

export class FakeSource implements ComputeSource {
  readonly type = 'local' as const;
  readonly submitted: SubmitRequest[] = [];
  readonly adopted: AdoptRequest[] = [];
  readonly terminated: { task: string; attempt: number }[] = [];
  /** Polls in progress across every FakeSource (to see whether the engine polls them at once). */
  static pollsInProgress = 0;
  static maxPollsAtOnce = 0;
  private pending: SourceEvent[] = [];
  private readonly inflight = new Set<string>();
  /** Submits left to reject. */
  rejectSubmits = 0;

  constructor(
    readonly name: string,
    readonly slots: number,
    private readonly script: Script = () => ({ exitStatus: 0 }),
    private readonly pollDelayMs = 5,
  ) {}

  capacity(): number {
    return this.slots - this.inflight.size;
  }

  inFlight(): number {
    return this.inflight.size;
  }

  async submit(requests: readonly SubmitRequest[]): Promise<void> {
    if (this.rejectSubmits > 0) {
      this.rejectSubmits--;
      throw new Error('the scheduler refused the job (fake)');
    }
    for (const r of requests) {
      this.submitted.push(r);
      this.inflight.add(r.task);
      this.pending.push({
        kind: 'started',
        task: r.task,
        attempt: r.attempt,
        handle: `${this.name}:${r.task}`,
        host: this.name,
        at: Date.now(),
      });
      this.pending.push({
        kind: 'finished',
        task: r.task,
        attempt: r.attempt,
        at: Date.now(),
        ...this.script(r),
      });
    }
  }

  adopt(attempts: readonly AdoptRequest[]): void {
    for (const a of attempts) {
      this.adopted.push(a);
      this.inflight.add(a.task);
      this.pending.push({
        kind: 'finished',
        task: a.task,
        attempt: a.attempt,
        at: Date.now(),
        ...this.script(a),
      });
    }
  }

  async poll(waitMs: number): Promise<SourceEvent[]> {
    FakeSource.pollsInProgress++;
    FakeSource.maxPollsAtOnce = Math.max(FakeSource.maxPollsAtOnce, FakeSource.pollsInProgress);
    await new Promise((r) => setTimeout(r, Math.min(waitMs, this.pollDelayMs)));
    FakeSource.pollsInProgress--;
    const out = this.pending;
    this.pending = [];
    for (const e of out) if (e.kind === 'finished') this.inflight.delete(e.task);
    return out;
  }

  async terminate(attempts: readonly { task: string; attempt: number }[]): Promise<void> {
    this.terminated.push(...attempts);
  }

  async close(): Promise<void> {}
}

import { describe, expect, it } from 'vitest';
import type { AdoptRequest, ComputeSource, SourceEvent, SubmitRequest } from '../../src/engine/ports.js';
import { SweepEngine, type EngineOptions } from '../../src/engine/sweep-engine.js';
import { makeSweep, makeTasks } from '../helpers/sweep-fixture.js';
import { until as waitUntil } from '../helpers/wait.js';

// Leaving a run (Ctrl-C "leave", `--detach`): attempts on sources that keep their jobs without hsm
// stay queued in the store for a later run to adopt; attempts on other sources are cancelled.

// Holds every attempt it is given until the test ends it; says whether it outlives the run.
class HoldingSource implements ComputeSource {
  readonly type = 'slurm' as const;
  readonly held: SubmitRequest[] = [];
  readonly terminated: { task: string; attempt: number }[] = [];
  private events: SourceEvent[] = [];

  constructor(
    readonly name: string,
    readonly slots: number,
    readonly outlivesRun: boolean,
  ) {}

  capacity(): number {
    return this.slots - this.held.length;
  }
  inFlight(): number {
    return this.held.length;
  }
  async submit(requests: readonly SubmitRequest[]): Promise<void> {
    this.held.push(...requests);
  }
  adopt(_attempts: readonly AdoptRequest[]): void {}
  async poll(waitMs: number): Promise<SourceEvent[]> {
    await new Promise((r) => setTimeout(r, Math.min(waitMs, 5)));
    return this.events.splice(0);
  }
  async terminate(attempts: readonly { task: string; attempt: number }[]): Promise<void> {
    this.terminated.push(...attempts);
    for (const a of attempts)
      this.events.push({
        kind: 'finished',
        task: a.task,
        attempt: a.attempt,
        exitStatus: null,
        at: Date.now(),
      });
  }
  async close(): Promise<void> {}
}

function engineFor(n: number, opts: Partial<EngineOptions> & Pick<EngineOptions, 'sources'>) {
  const fx = makeSweep(makeTasks(Array.from({ length: n }, (_, i) => ['true', String(i)])));
  const engine = new SweepEngine(fx.sweep.store, fx.workspace, {
    tasks: fx.sweep.store.tasks().map((t) => t.name),
    retries: 0,
    retryDelayMs: 1,
    timeoutMs: null,
    killGraceMs: 10,
    ...opts,
  });
  return { ...fx, engine };
}

// the engine's state as the test expects it (polled: the engine works on its own timers)
const until = (check: () => boolean) => waitUntil('the expected engine state', check, 30_000, 10);

describe('leaving a run', () => {
  it('leave(): the jobs a scheduler holds stay queued, nothing more is handed over, nothing is terminated', async () => {
    const sched = new HoldingSource('cluster', 3, true);
    const { engine, sweep } = engineFor(5, { sources: [sched] });
    const done = engine.run();
    await until(() => sched.held.length === 3);
    expect(engine.leavable()).toBe(3);
    engine.leave();
    const result = await done;
    expect(result).toMatchObject({ interrupted: true, left: 3 });
    expect(sweep.store.counts()).toMatchObject({ queued: 3, pending: 2 });
    expect(sched.terminated).toEqual([]);
    expect(sched.held).toHaveLength(3);
  });

  it('leaveWhenHandedOver: the run ends once every task is handed over, not interrupted', async () => {
    const sched = new HoldingSource('cluster', 10, true);
    const { engine, sweep } = engineFor(4, { sources: [sched], leaveWhenHandedOver: true });
    const result = await engine.run();
    expect(result).toMatchObject({ interrupted: false, left: 4 });
    expect(sweep.store.counts()).toMatchObject({ queued: 4 });
  });

  it('attempts on a source that does not outlive the run are cancelled, the others left', async () => {
    const sched = new HoldingSource('cluster', 2, true);
    const here = new HoldingSource('here', 2, false);
    const { engine, sweep } = engineFor(4, { sources: [sched, here] });
    const done = engine.run();
    await until(() => sched.held.length === 2 && here.held.length === 2);
    expect(engine.leavable()).toBe(2);
    engine.leave();
    expect(await done).toMatchObject({ interrupted: true, left: 2 });
    expect(here.terminated.map((a) => a.task).sort()).toEqual(here.held.map((r) => r.task).sort());
    expect(sched.terminated).toEqual([]);
    expect(sweep.store.counts()).toMatchObject({ queued: 2, cancelled: 2 });
  });
});

import type { ComputeSource, SourceEvent, TaskWorkspace } from '../../engine/ports.js';
import { isProcessAlive } from '../../state/process-liveness.js';

// Attempts left running on this machine by an hsm process that died (kill -9, a closed terminal).
// They are adopted, not run again: their exit record is awaited. An attempt whose process is gone
// without an exit record is reported with no exit status, which the engine records as `lost`.

interface Adopted {
  task: string;
  attempt: number;
  pid: number | null;
  /** Rounds seen with the process gone and no record: the runner writes the record just after. */
  goneRounds: number;
}

export class AdoptedAttempts implements ComputeSource {
  readonly type = 'local' as const;
  readonly slots = 0;
  private readonly adopted = new Map<string, Adopted>();

  constructor(
    readonly name: string,
    private readonly workspace: TaskWorkspace,
    /** Runners of the dead hsm process still alive: while one lives, a task may still start or end. */
    private readonly runnerPids: readonly number[] = [],
    /** Withdraws an attempt a runner has not started yet (the runner skips it). */
    private readonly withdraw: (task: string, attempt: number) => void = () => {},
  ) {}

  // An attempt without a started record may still sit in a surviving runner's queue: it is withdrawn,
  // so that runner skips it instead of running it after its current task; once the runners are gone
  // it counts as never started and runs again. (One the runner starts meanwhile is adopted as usual.)
  adopt(task: string, attempt: number, pid: number | null): void {
    this.adopted.set(task, { task, attempt, pid, goneRounds: 0 });
    if (pid === null) this.withdraw(task, attempt);
  }

  capacity(): number {
    return 0;
  }

  inFlight(): number {
    return this.adopted.size;
  }

  async submit(): Promise<void> {
    throw new Error('adopted attempts take no new tasks');
  }

  async poll(waitMs: number): Promise<SourceEvent[]> {
    await new Promise((r) => setTimeout(r, Math.min(Math.max(waitMs, 5), 200)));
    const events: SourceEvent[] = [];
    const runnersAlive = this.runnerPids.some(isProcessAlive);
    for (const a of this.adopted.values()) {
      const exit = this.workspace.readExit(a.task, a.attempt);
      if (exit) {
        events.push({
          kind: 'finished',
          task: a.task,
          attempt: a.attempt,
          exitStatus: exit.exit,
          at: exit.at,
        });
        continue;
      }
      if (a.pid === null) {
        const started = this.workspace.readStarted(a.task, a.attempt);
        if (started) {
          a.pid = started.pid;
          events.push({
            kind: 'started',
            task: a.task,
            attempt: a.attempt,
            pid: started.pid,
            host: started.host,
            at: started.at,
          });
        }
      }
      const alive = a.pid !== null ? isProcessAlive(a.pid) : runnersAlive;
      a.goneRounds = alive || runnersAlive ? 0 : a.goneRounds + 1;
      if (a.goneRounds >= 2) {
        events.push({
          kind: 'finished',
          task: a.task,
          attempt: a.attempt,
          exitStatus: null,
          neverStarted: a.pid === null,
          detail:
            a.pid === null
              ? 'never started: hsm stopped before the task was handed over'
              : `process ${a.pid} is gone and left no exit record`,
          at: Date.now(),
        });
      }
    }
    for (const e of events) if (e.kind === 'finished') this.adopted.delete(e.task);
    return events;
  }

  async terminate(attempts: readonly { task: string; attempt: number }[], graceMs: number): Promise<void> {
    const send = (sig: NodeJS.Signals) => {
      for (const t of attempts) {
        const a = this.adopted.get(t.task);
        if (a?.pid) {
          try {
            process.kill(-a.pid, sig);
          } catch {
            /* gone */
          }
        }
      }
    };
    send('SIGTERM');
    if (graceMs > 0) await new Promise((r) => setTimeout(r, graceMs));
    send('SIGKILL');
  }

  async close(): Promise<void> {}
}

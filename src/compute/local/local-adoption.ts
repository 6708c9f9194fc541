import { readdirSync, readFileSync } from 'node:fs';
import type { AdoptRequest, SourceEvent } from '../../engine/ports.js';
import { isProcessAlive, readProcessCommandLine } from '../../process/process-liveness.js';
import { readExitRecord, readStartedRecord } from '../../process/task-records.js';
import { withdrawLocally } from '../runner-control.js';
import { signalTaskTree } from './task-tree.js';

// Attempts left on this machine by an hsm process that died (kill -9, a closed terminal). They are
// awaited, not run again: the runners of the dead process read the rest of their input, finish their
// task and write its exit record. An attempt with no started record may still sit in a surviving
// runner's queue: it is withdrawn (the runner skips it) and, once the runners are gone, reported as
// never started so it runs again. One whose process is gone without an exit record is reported with
// no exit status, which the engine records as `lost`.

interface Adopted {
  task: string;
  attempt: number;
  dir: string;
  pid: number | null;
  /** The cgroup of the runner that runs it (from the started record), if any. */
  cgroup: string | null;
  /** Rounds seen with the process gone and no record: the runner writes the record just after. */
  goneRounds: number;
}

export class LocalAdoption {
  private readonly adopted = new Map<string, Adopted>();
  private runnerPids: number[] = [];
  /** Task processes of stopped runners with no started record (yet): signalled with the attempts. */
  private strays: number[] = [];

  get size(): number {
    return this.adopted.size;
  }

  /** Runner pids recorded by earlier hsm processes; only live runners are kept. */
  adopt(attempts: readonly AdoptRequest[], recordedRunnerPids: readonly number[]): void {
    this.runnerPids = recordedRunnerPids.filter(
      (p) => isProcessAlive(p) && (readProcessCommandLine(p) ?? '').includes('hsm-runner.sh'),
    );
    for (const a of attempts) {
      const started = readStartedRecord(`${a.localDir}/started`, a.attempt);
      const pid = started?.pid ?? (a.handle !== null && /^\d+$/.test(a.handle) ? Number(a.handle) : null);
      this.adopted.set(a.task, {
        task: a.task,
        attempt: a.attempt,
        dir: a.localDir,
        pid,
        cgroup: started?.cgroup ?? null,
        goneRounds: 0,
      });
      if (pid === null) withdrawLocally(a.localDir, a.attempt);
    }
  }

  /** Runners of the dead process still alive (kept in the source's state until they are gone). */
  liveRunners(): number[] {
    this.runnerPids = this.runnerPids.filter(isProcessAlive);
    return this.runnerPids;
  }

  has(task: string, attempt: number): boolean {
    return this.adopted.get(task)?.attempt === attempt;
  }

  /** Stops the runners of the dead hsm process (a cancel): each is frozen (SIGSTOP: it can start
   * nothing more), the task processes it forked are noted (one may have started without its started
   * record yet), then it is killed. Their tasks are terminated with the adopted attempts; attempts
   * they had not started are reported never started once the runners are gone. */
  stopRunners(): void {
    const runners = this.liveRunners();
    for (const pid of runners) sendSignal(pid, 'SIGSTOP');
    for (const pid of runners) this.strays.push(...childrenOf(pid));
    for (const pid of runners) sendSignal(pid, 'SIGKILL');
    this.runnerPids = [];
  }

  /** Sends `signal` to the adopted attempts' process trees; returns those still alive. */
  signal(attempts: readonly { task: string; attempt: number }[], signal: NodeJS.Signals): number {
    let alive = 0;
    this.strays = this.strays.filter(isProcessAlive);
    for (const pid of this.strays) {
      signalTaskTree(pid, null, signal);
      alive++;
    }
    for (const t of attempts) {
      const a = this.adopted.get(t.task);
      if (!a || a.attempt !== t.attempt) continue;
      if (a.pid === null) withdrawLocally(a.dir, a.attempt);
      else if (isProcessAlive(a.pid)) {
        signalTaskTree(
          a.pid,
          a.cgroup,
          signal,
          this.runnerPids,
          () => readExitRecord(`${a.dir}/exit`, a.attempt) !== null,
        );
        alive++;
      }
    }
    return alive;
  }

  /** How many of these adopted attempts (and stray task processes) still have a live process. */
  alive(attempts: readonly { task: string; attempt: number }[]): number {
    this.strays = this.strays.filter(isProcessAlive);
    return (
      this.strays.length +
      attempts.filter((t) => {
        const a = this.adopted.get(t.task);
        return a !== undefined && a.attempt === t.attempt && a.pid !== null && isProcessAlive(a.pid);
      }).length
    );
  }

  check(now: number): SourceEvent[] {
    const events: SourceEvent[] = [];
    const runnersAlive = this.liveRunners().length > 0;
    for (const a of this.adopted.values()) {
      const exit = readExitRecord(`${a.dir}/exit`, a.attempt);
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
        const started = readStartedRecord(`${a.dir}/started`, a.attempt);
        if (started) {
          a.pid = started.pid;
          a.cgroup = started.cgroup;
          events.push({
            kind: 'started',
            task: a.task,
            attempt: a.attempt,
            handle: String(started.pid),
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
          at: now,
        });
      }
    }
    for (const e of events) if (e.kind === 'finished') this.adopted.delete(e.task);
    return events;
  }
}

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone */
  }
}

// The children of a process (Linux: /proc/PID/task/TID/children of each thread).
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

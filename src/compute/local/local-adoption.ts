import type { AdoptRequest, SourceEvent } from '../../engine/ports.js';
import {
  isProcessAlive,
  isSameProcessAlive,
  processIdentity,
  readProcessCommandLine,
  type ProcessIdentity,
} from '../../process/process-liveness.js';
import { freezeTree, signalFrozen } from '../../process/process-tree.js';
import { readExitRecord, readStartedRecord } from '../../process/task-records.js';
import { withdrawLocally } from '../runner-control.js';
import { cgroupMembers, killStrays, markedRunners, runnerCgroupOf, signalTaskTree } from './task-tree.js';

// Attempts left on this machine by an hsm process that died (kill -9, a closed terminal). They are
// awaited, not run again: the runners of the dead process read the rest of their input, finish their
// task and write its exit record. An attempt with no started record may still sit in a surviving
// runner's queue: it is withdrawn (the runner skips it) and, once the runners are gone, reported as
// never started so it runs again. One whose process is gone without an exit record is reported with
// no exit status, which the engine records as `lost`.
//
// "Never started" is said only when nothing the runners forked can still start it: a runner forks a
// task before the task writes its started record, and under sh (no job control) that task shares the
// runner's process group, so no pid or group names it until then. So a cancel freezes the runners and
// everything below them (SIGSTOP, process-tree.ts) before killing the runners, and signals each
// frozen process; and an attempt with no started record waits while a process of the runners' cgroups
// (or a frozen one) is alive.
//
// A runner that died (kill -9, the OOM killer) writes no exit record for the task it ran, nor the
// started record of a task it had just forked (under bash that task has a process group of its own,
// which nothing names). What dead runners left is killed at adoption, and again whenever one of the
// runners waited for is gone (task-tree.ts: killStrays, found by the sweep's runner marker): a task
// that recorded its start is then gone without an exit record (`lost`), one that had not is never
// started, and neither runs on beside its next attempt.

interface Adopted {
  task: string;
  attempt: number;
  dir: string;
  pid: number | null;
  /** The cgroup of the runner that runs it (from the started record), if any. */
  cgroup: string | null;
  /** Rounds seen with the process gone and no record: the runner writes the record just after. */
  goneRounds: number;
  /** Signalled before its started record was read: the signal it is sent once it has one. */
  pendingSignal: NodeJS.Signals | null;
}

export class LocalAdoption {
  private readonly adopted = new Map<string, Adopted>();
  /** The dead process's runners, as found alive when adopted: a pid alone, once that runner is
   * gone, may name another process later (pids are reused), which a cancel must not stop. */
  private runners: ProcessIdentity[] = [];
  /** The cgroups of those runners: their tasks live in them, even once the runner is gone. */
  private runnerCgroups: string[] = [];
  /** Every process below the runners a cancel stopped (the tasks, whether they wrote their started
   * record or not, and their children): signalled with the attempts. */
  private frozen: ProcessIdentity[] = [];
  /** The sweep's runner marker (task-tree.ts: runnerMarker), which finds what dead runners left. */
  private marker: string | null = null;
  /** A kill of what dead runners left, under way (attempts are judged once it is done). */
  private reaping: Promise<void> | null = null;
  private reapAgain = false;
  private runnersSeen = 0;

  get size(): number {
    return this.adopted.size;
  }

  /** Runner pids recorded by earlier hsm processes; only live runners are kept, with those the
   * sweep's runner marker finds. */
  adopt(attempts: readonly AdoptRequest[], recordedRunnerPids: readonly number[], marker: string): void {
    const recorded = recordedRunnerPids.filter(
      (p) => isProcessAlive(p) && (readProcessCommandLine(p) ?? '').includes('hsm-runner.sh'),
    );
    // and those whose pids could not be recorded (a full disk), found by the sweep's marker
    const marked = markedRunners(marker).filter((p) => !recorded.includes(p));
    this.runners = [...recorded, ...marked].map(processIdentity);
    this.runnersSeen = this.runners.length;
    this.marker = marker;
    this.reap();
    this.runnerCgroups = this.runners.flatMap((r) => runnerCgroupOf(r.pid) ?? []);
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
        pendingSignal: null,
      });
      if (pid === null) withdrawLocally(a.localDir, a.attempt);
    }
  }

  /** Runners of the dead process still alive (kept in the source's state until they are gone). */
  liveRunners(): number[] {
    this.runners = this.runners.filter(isSameProcessAlive);
    return this.runners.map((r) => r.pid);
  }

  has(task: string, attempt: number): boolean {
    return this.adopted.get(task)?.attempt === attempt;
  }

  /** Stops the runners of the dead hsm process when `attempts` (a cancel) hold every adopted one, so
   * that none starts anything more: the runners are frozen (SIGSTOP) with everything below them, then
   * killed. What they had forked, started record or not, is signalled with the attempts; attempts they
   * had not started are reported never started once none of it is alive. A cancel of some of the
   * attempts leaves the runners to go on with the others. */
  async stopRunners(attempts: readonly { task: string; attempt: number }[]): Promise<void> {
    const all = [...this.adopted.values()].every((a) =>
      attempts.some((t) => t.task === a.task && t.attempt === a.attempt),
    );
    if (!all) return;
    const runners = this.liveRunners();
    if (runners.length === 0) return;
    const frozen = await freezeTree(runners);
    for (const pid of runners) sendSignal(pid, 'SIGKILL');
    this.runners = [];
    this.runnersSeen = 0; // their tasks are frozen, to be signalled as the cancel says: no reap
    this.frozen.push(...frozen.filter((p) => !runners.includes(p.pid)));
  }

  /** Sends `signal` to the adopted attempts' process trees and to what the stopped runners had
   * forked; returns how many are still alive. */
  async signal(
    attempts: readonly { task: string; attempt: number }[],
    signal: NodeJS.Signals,
  ): Promise<number> {
    // a process let go on after a TERM may have forked: the tree is frozen again before a KILL
    if (signal === 'SIGKILL' && this.frozen.some(isSameProcessAlive))
      this.frozen = mergeIds(
        this.frozen,
        await freezeTree(this.frozen.filter(isSameProcessAlive).map((p) => p.pid)),
      );
    let alive = 0;
    for (const t of attempts) {
      const a = this.adopted.get(t.task);
      if (!a || a.attempt !== t.attempt) continue;
      if (a.pid === null) {
        // not started, as far as its records say: withdrawn, and signalled should it start after all
        withdrawLocally(a.dir, a.attempt);
        a.pendingSignal = signal;
      } else if (isProcessAlive(a.pid)) {
        this.signalAttempt(a, signal);
        alive++;
      }
    }
    // after the attempts' own trees: frozen processes among them go on only now, with the signal
    return alive + signalFrozen(this.frozen, signal).length;
  }

  private signalAttempt(a: Adopted, signal: NodeJS.Signals): void {
    signalTaskTree(
      a.pid,
      a.cgroup,
      signal,
      this.runners.map((r) => r.pid),
      () => readExitRecord(`${a.dir}/exit`, a.attempt) !== null,
    );
  }

  /** How many of these adopted attempts (and frozen task processes) still have a live process. */
  alive(attempts: readonly { task: string; attempt: number }[]): number {
    this.frozen = this.frozen.filter(isSameProcessAlive);
    return (
      this.frozen.length +
      attempts.filter((t) => {
        const a = this.adopted.get(t.task);
        return a !== undefined && a.attempt === t.attempt && a.pid !== null && isProcessAlive(a.pid);
      }).length
    );
  }

  // Kills what dead runners of the sweep left (again after the one under way, if asked meanwhile).
  private reap(): void {
    if (this.marker === null) return;
    if (this.reaping) {
      this.reapAgain = true;
      return;
    }
    const marker = this.marker;
    this.reaping = killStrays(marker)
      .then((killed) => {
        this.frozen = mergeIds(this.frozen, killed);
      })
      .catch(() => {})
      .finally(() => {
        this.reaping = null;
        if (this.reapAgain) {
          this.reapAgain = false;
          this.reap();
        }
      });
  }

  // Whether a process the runners forked (or a runner) may still write a started record.
  private runnersBusy(): boolean {
    const live = this.liveRunners().length;
    // a runner waited for is gone: what it had forked may be left without a record
    if (live < this.runnersSeen) this.reap();
    this.runnersSeen = live;
    if (this.reaping) return true;
    if (live > 0) return true;
    this.frozen = this.frozen.filter(isSameProcessAlive);
    return this.frozen.length > 0 || this.runnerCgroups.some((cg) => cgroupMembers(cg).some(isProcessAlive));
  }

  check(now: number): SourceEvent[] {
    const events: SourceEvent[] = [];
    const runnersAlive = this.runnersBusy();
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
          if (a.pendingSignal) this.signalAttempt(a, a.pendingSignal);
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

function mergeIds(a: readonly ProcessIdentity[], b: readonly ProcessIdentity[]): ProcessIdentity[] {
  const pids = new Set(a.map((p) => p.pid));
  return [...a, ...b.filter((p) => !pids.has(p.pid))];
}

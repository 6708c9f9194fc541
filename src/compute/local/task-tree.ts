import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  isProcessAlive,
  readProcessCommandLine,
  sessionOf,
  type ProcessIdentity,
} from '../../process/process-liveness.js';
import { processesWithEnvironment } from '../../process/marked-processes.js';
import { childrenOf, freezeTree, signalFrozen } from '../../process/process-tree.js';
import { signalProcessGroup } from '../runner-control.js';

// Everything a task started, as one unit to signal: the task's process group (the runner starts each
// task in its own, `set -m`) and, where the machine allows it, the cgroup (v2) of the runner that runs
// it. A cgroup also holds what left the process group or session (`setsid`, a double fork): only a
// process with the right to move itself to another cgroup escapes it. Without cgroups, the process
// group is all there is (docs/ARCHITECTURE.md lists what escapes it).
//
// One cgroup per runner, not per attempt: moving a process between cgroups waits for an RCU grace
// period (~3 ms here), which would triple the cost of a short task; a runner moves itself once, and its
// tasks are born in its cgroup. A runner runs one task at a time, so every member of its cgroup but the
// runner itself belongs to the current task (or to the previous one, being killed).
// Layout: <hsm's own cgroup>/hsm-<hsm pid>-<random>/runner-<n>.

/**
 * Signals a task's tree: its process group and the members of its cgroup but the runners.
 * `hasEnded` says whether the task's exit record is written. A runner writes it after killing what
 * the task left and before it starts its next task, so the cgroup's members are read first and
 * signalled only if the task had not ended by then: a timeout that fires just as the task ends must
 * not kill the next task the runner started (hsm may not have read the runner's report yet).
 */
export function signalTaskTree(
  pgid: number | null,
  cgroup: string | null,
  sig: NodeJS.Signals,
  runners: readonly number[] = [],
  hasEnded: () => boolean = () => false,
): void {
  const members = cgroup === null ? [] : cgroupMembers(cgroup);
  if (hasEnded()) return;
  if (pgid !== null) signalProcessGroup(pgid, sig);
  for (const pid of members) {
    if (runners.includes(pid)) continue;
    try {
      process.kill(pid, sig);
    } catch {
      /* exited meanwhile */
    }
  }
}

/**
 * Kills what a runner that died left running: no exit record can be written for it any more, so its
 * attempts are run again, and must not also run on to their end. With a cgroup, all of it (the runner
 * is gone: what is left is its tasks' trees); else each started task's process group; and, in both
 * cases, whatever the sweep's dead runners forked (`killStrays`): a task forked and not reported yet
 * has no pid here.
 */
export async function killOrphanedTasks(
  cgroup: string | null,
  pgids: readonly number[],
  marker: string,
): Promise<void> {
  if (cgroup !== null) killCgroup(cgroup);
  for (const pgid of pgids) signalProcessGroup(pgid, 'SIGKILL');
  await killStrays(marker);
}

/** The variable every runner of a sweep is started with (the sweep directory, resolved: a later hsm
 * must name it the same way); what a runner forks inherits it. */
export const RUNNER_SWEEP_VAR = 'HSM_RUNNER_SWEEP';

export function runnerMarker(sweepDir: string): string {
  return `${RUNNER_SWEEP_VAR}=${sweepDir}`;
}

/**
 * The processes a dead runner of the sweep left: they carry the sweep's runner marker (`entry`), and
 * the session they are in has lost its leader. Every runner leads a session of its own (detached),
 * which what it forks stays in unless it calls setsid, and a session's id is not given to another
 * process while a member lives: so a session whose leader is gone is a dead runner's. This finds the
 * task a runner without a cgroup forked and died before it recorded its start (under bash the task
 * has its own process group, and no record or report names it).
 */
export function strayProcesses(entry: string): number[] {
  return processesWithEnvironment(entry).filter((pid) => {
    const sid = sessionOf(pid);
    return sid !== null && sid !== pid && !isProcessAlive(sid);
  });
}

/** The sweep's runners alive that this process did not start (a dead hsm's): processes carrying the
 * marker that lead their own session and run the runner script. Found even when their pids could not
 * be recorded (a full disk). */
export function markedRunners(entry: string): number[] {
  const own = new Set(childrenOf(process.pid));
  return processesWithEnvironment(entry).filter(
    (pid) =>
      !own.has(pid) &&
      sessionOf(pid) === pid &&
      (readProcessCommandLine(pid) ?? '').includes('hsm-runner.sh'),
  );
}

/** Kills the strays of the sweep's dead runners (`strayProcesses`) and everything below them, frozen
 * first (SIGSTOP: none forks more meanwhile), each identified by pid and start time; returns them. */
export async function killStrays(entry: string): Promise<ProcessIdentity[]> {
  const strays = strayProcesses(entry);
  if (strays.length === 0) return [];
  const frozen = await freezeTree(strays);
  signalFrozen(frozen, 'SIGKILL');
  return frozen;
}

/** Kills everything in a cgroup, runner included. */
export function killCgroup(cgroup: string): void {
  try {
    writeFileSync(join(cgroup, 'cgroup.kill'), '1'); // atomic for the whole cgroup (Linux 5.14+)
    return;
  } catch {
    /* no cgroup.kill (older kernel) or gone */
  }
  for (const pid of cgroupMembers(cgroup)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* exited meanwhile */
    }
  }
}

/** The processes in a cgroup (none when it is gone). */
export function cgroupMembers(cgroup: string): number[] {
  try {
    return readFileSync(join(cgroup, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The cgroup of a runner of some hsm process (`.../hsm-<pid>-<random>/runner-<n>`), or null: a runner
 * without one (it runs in hsm's own cgroup, which holds hsm itself and whoever started it). */
export function runnerCgroupOf(pid: number): string | null {
  const dir = cgroupDirOf(String(pid));
  return dir !== null && /\/hsm-\d+-[0-9a-f]+\/runner-\d+$/.test(dir) ? dir : null;
}

/** The cgroups of one hsm process's runners. `create()` returns null where cgroups cannot be used. */
export class TaskCgroups {
  /** Runner cgroups whose removal waits for their last process to be gone. */
  private readonly toRemove = new Set<string>();

  private constructor(readonly base: string) {}

  static create(): TaskCgroups | null {
    const parent = cgroupDirOf('self');
    if (parent === null) return null;
    removeStaleBases(parent);
    const base = join(parent, `hsm-${process.pid}-${randomBytes(3).toString('hex')}`);
    try {
      mkdirSync(base);
      return new TaskCgroups(base);
    } catch {
      return null; // not delegated to this user, read-only, ...: process groups only
    }
  }

  private runners = 0;

  /** A new runner's cgroup (the runner moves itself in: HSM_RUNNER_CGROUP), or null. */
  prepare(): string | null {
    const dir = join(this.base, `runner-${++this.runners}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch {
      return null;
    }
  }

  /** Removes an exited runner's cgroup (later, if processes in it are still being killed). */
  release(dir: string): void {
    this.toRemove.add(dir);
    this.sweep();
  }

  /** Retries pending removals; with `all`, the base too (at the end of a run). */
  sweep(all = false): void {
    for (const dir of this.toRemove) if (tryRmdir(dir)) this.toRemove.delete(dir);
    if (all) tryRmdir(this.base); // fails while a runner cgroup is left (removed by a later hsm)
  }
}

function tryRmdir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

// Bases left by hsm processes that died (kill -9): their empty attempt cgroups are removed.
function removeStaleBases(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent).filter((n) => /^hsm-\d+-[0-9a-f]+$/.test(n));
  } catch {
    return;
  }
  for (const name of names) {
    if (isProcessAlive(Number(name.split('-')[1]))) continue;
    const base = join(parent, name);
    try {
      for (const d of readdirSync(base, { withFileTypes: true }))
        if (d.isDirectory()) tryRmdir(join(base, d.name));
    } catch {
      /* gone */
    }
    tryRmdir(base);
  }
}

// The directory of a process's cgroup in the cgroup v2 hierarchy, or null (no cgroup v2 mounted,
// not Linux, or a path with whitespace, which the runner's records cannot carry).
function cgroupDirOf(pid: string): string | null {
  try {
    const own = /^0::(\/.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1];
    if (own === undefined) return null;
    const mount = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .find((f) => f[f.indexOf('-') + 1] === 'cgroup2')?.[4];
    if (!mount) return null;
    const dir = join(mount, own.replace(/ \(deleted\)$/, ''));
    return /\s|\\/.test(dir) ? null : dir;
  } catch {
    return null;
  }
}

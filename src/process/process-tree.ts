import { readdirSync, readFileSync } from 'node:fs';
import {
  isSameProcessAlive,
  processGroupOf,
  processIdentity,
  processState,
  type ProcessIdentity,
} from './process-liveness.js';

// A process tree held still, so that all of it can be signalled: a stopped process forks nothing more,
// so once every process of the tree is stopped, the list of its processes is complete. Needed where a
// tree has no handle of its own: the task a runner forked shares the runner's process group when the
// runner has no job control (sh), and until its started record is written no pid names it.
// Linux only (/proc); elsewhere the tree is the roots alone.

const STOP_WAIT_MS = 2000;

/** The children of a process (Linux: /proc/PID/task/TID/children of each of its threads). */
export function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/**
 * Stops `roots` (SIGSTOP) and everything below them, level by level: the children of a process are
 * read once it is stopped, so none can be born after the reading. Returns every process stopped
 * (roots first), with its identity (a pid reused later is another process); `known` are skipped.
 */
export async function freezeTree(
  roots: readonly number[],
  known: readonly ProcessIdentity[] = [],
): Promise<ProcessIdentity[]> {
  const seen = new Set(known.map((p) => p.pid));
  const frozen: ProcessIdentity[] = [];
  const own = processGroupOf('self');
  let level = roots.filter((p) => !seen.has(p));
  while (level.length > 0) {
    // never this process, nor one of its own group (whoever started hsm, a test runner for one)
    level = level.filter((p) => p > 1 && p !== process.pid && (own === null || processGroupOf(p) !== own));
    for (const pid of level) {
      seen.add(pid);
      const id = processIdentity(pid);
      if (send(pid, 'SIGSTOP')) frozen.push(id);
    }
    await untilStopped(level);
    level = level.flatMap(childrenOf).filter((p) => !seen.has(p));
  }
  return frozen;
}

/** Sends `signal` to each process still alive (the same process, not a later one with its pid),
 * then lets the stopped ones go on, so that they act on it (a TERM handler runs). */
export function signalFrozen(
  processes: readonly ProcessIdentity[],
  signal: NodeJS.Signals,
): ProcessIdentity[] {
  const alive = processes.filter(isSameProcessAlive);
  for (const p of alive) send(p.pid, signal);
  if (signal !== 'SIGKILL') for (const p of alive) send(p.pid, 'SIGCONT');
  return alive;
}

function send(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false; // gone
  }
}

// A signal is delivered when its target next runs: until then a process may still finish a fork.
async function untilStopped(pids: readonly number[]): Promise<void> {
  const end = Date.now() + STOP_WAIT_MS;
  let left = [...pids];
  for (;;) {
    left = left.filter((p) => {
      const state = processState(p);
      return state !== null && state !== 'T' && state !== 't' && state !== 'Z' && state !== 'X';
    });
    // a process in uninterruptible sleep (D) stops when its system call returns, which cannot fork
    if (left.length === 0 || left.every((p) => processState(p) === 'D') || Date.now() > end) return;
    await new Promise((r) => setTimeout(r, 1));
  }
}

import type { TaskState } from './remote-scripts.js';

// An attempt in flight on a remote host, and what one status round's answer about it means.
// Pure: the worker (host-worker.ts) applies the verdict.

export interface RemoteAttempt {
  task: string;
  attempt: number;
  localDir: string;
  /** The task's process (group) on the host, once it started. */
  pid: number | null;
  /** Taken back from a dead hsm process: its fate is only known from status rounds. */
  adopted: boolean;
  /** When its RUN line went to the agent (0: adopted). */
  sentAt: number;
  /** Rounds in a row that found its process gone without an exit record. */
  goneRounds: number;
  /** Rounds in a row that found it withdrawn before it started. */
  skipRounds: number;
}

/** An attempt handed to the agent at `sentAt`, or (sentAt null) adopted from a dead hsm process. */
export function remoteAttempt(
  a: { task: string; attempt: number; localDir: string },
  pid: number | null,
  sentAt: number | null,
): RemoteAttempt {
  const adopted = sentAt === null;
  return {
    task: a.task,
    attempt: a.attempt,
    localDir: a.localDir,
    pid,
    adopted,
    sentAt: sentAt ?? 0,
    goneRounds: 0,
    skipRounds: 0,
  };
}

/** A RUN line sent this long ago with no start seen, while the agent lives, is still in flight. */
export const IN_FLIGHT_GRACE_MS = 10_000;

export type StateVerdict =
  /** Nothing to do (yet). */
  | { kind: 'none' }
  | { kind: 'started'; pid: number }
  /** Ended: `startedPid` when its start was not seen before. */
  | { kind: 'finished'; rc: number | null; detail?: string; startedPid?: number }
  | { kind: 'never-started'; detail: string }
  /** Not started and never to be (the agent or hsm that had it is gone): take it back. */
  | { kind: 'withdraw' };

/**
 * What a status round's answer `s` means for `t` (counting its gone/skip rounds). `agentLive`:
 * the agent that was handed `t` still runs.
 */
export function judgeTaskState(
  t: RemoteAttempt,
  s: TaskState,
  agentLive: boolean,
  host: string,
  now: number,
): StateVerdict {
  // Records read before the agent took this attempt up may be an earlier sweep's of the same id
  // (the agent clears them when it starts the task): while the agent has the task, its own lines
  // say when it starts and ends; a record naming another process is not this attempt's.
  const agentHasIt = !t.adopted && agentLive && now - t.sentAt < IN_FLIGHT_GRACE_MS;
  if (s.state !== 'wait' && ((t.pid === null && agentHasIt) || (t.pid !== null && s.pid !== t.pid)))
    return { kind: 'none' };
  switch (s.state) {
    case 'exit':
      return { kind: 'finished', rc: s.rc, ...(t.pid === null && s.pid > 0 ? { startedPid: s.pid } : {}) };
    case 'run':
      t.goneRounds = 0;
      t.skipRounds = 0;
      return t.pid === null ? { kind: 'started', pid: s.pid } : { kind: 'none' };
    case 'gone':
      // the runner writes the exit record just after its task ends: give it a round
      if (++t.goneRounds >= 2)
        return {
          kind: 'finished',
          rc: null,
          detail: `process ${s.pid} on ${host} is gone and left no exit record`,
          ...(t.pid === null ? { startedPid: s.pid } : {}),
        };
      return t.pid === null ? { kind: 'started', pid: s.pid } : { kind: 'none' };
    case 'skip':
      return ++t.skipRounds >= 2
        ? { kind: 'never-started', detail: 'withdrawn before it started' }
        : { kind: 'none' };
    default:
      // wait: no start yet. A line still in the agent's pipe, or never to start (agent or hsm gone)
      return agentHasIt ? { kind: 'none' } : { kind: 'withdraw' };
  }
}

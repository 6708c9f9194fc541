import type { RemoteLayout } from './remote-scripts.js';

// What a remote host source needs from its transport, and nothing more: run one POSIX sh script on
// the host and read what it printed, hand tasks to the host's task agent, bring finished task
// directories back. The ssh source implements it over an exec channel (compute/ssh/), the session
// source over a command typed into an interactive shell (compute/ssm/); everything else (the
// runner's records, status rounds, setup, health, lost_after) is one implementation for both
// (host-worker.ts).

export interface HostReply {
  /** What the script printed (a pty merges stderr into it). */
  stdout: string;
  stderr: string;
  exitCode: number | null;
  /** The transport's own failure (could not connect, session lost), null when the script ran. */
  error: string | null;
}

/** The runner's answers about tasks handed to an agent (runner/hsm-runner.sh agent). */
export type AgentLine =
  | { kind: 'S'; attempt: number; pid: number; dir: string }
  | { kind: 'E'; attempt: number; rc: number; dir: string }
  | { kind: 'X'; attempt: number; dir: string }
  | { kind: 'F'; attempt: number; dir: string; message: string };

export function parseAgentLine(line: string): AgentLine | null {
  const m = /^([SEXF]) (\d+) (\d+) (\S+)(?: (.*))?$/.exec(line);
  if (!m) return null;
  const attempt = Number(m[2]);
  const n = Number(m[3]);
  const dir = m[4]!;
  switch (m[1]) {
    case 'S':
      return { kind: 'S', attempt, pid: n, dir };
    case 'E':
      return { kind: 'E', attempt, rc: n, dir };
    case 'X':
      return { kind: 'X', attempt, dir };
    default:
      return { kind: 'F', attempt, dir, message: (m[5] ?? '').trim() };
  }
}

/** Hands tasks to the host: `RUN <attempt> <dir> <command.sh base64>` lines for the runner's agent,
 * which starts each one detached (it survives the transport and hsm). */
export interface TaskAgent {
  readonly alive: boolean;
  send(attempt: number, dir: string, script: string): void;
  /** Lets tasks already sent start, then ends the agent's channel; running tasks go on. */
  close(): void;
  /** Drops the channel at once (the host's tasks are not touched). */
  kill(): void;
}

export interface AgentHandlers {
  onLine: (line: AgentLine) => void;
  /** The channel ended on its own (connection lost): no more lines will come. */
  onExit: (why: string) => void;
  onLog: (line: string) => void;
}

export interface CollectItem {
  task: string;
  attempt: number;
  localDir: string;
  /** The host the attempt ran on, when the source has several. */
  host?: string | null;
}

export interface CollectOutcome {
  collected: string[];
  missing: string[];
  error: string | null;
}

export interface HostLink {
  /** The host's name as tasks record it (`node18`). */
  readonly host: string;
  /** `host node18 (source lab)` for messages. */
  describe(): string;
  /** How to fix a transport failure (`error` of a reply). */
  hint(error: string): string;
  /** Runs a script on the host; `command` names it in the source's log (`status`, `kill TERM`). */
  run(script: string, timeoutMs?: number, command?: string): Promise<HostReply>;
  openAgent(layout: RemoteLayout, handlers: AgentHandlers): TaskAgent;
  /** Brings these tasks' directories (under layout.tasksDir) into `localTasksDir`; a task counts as
   * collected when its exit record for the attempt arrived. */
  fetchTasks(
    layout: RemoteLayout,
    tasks: readonly string[],
    localTasksDir: string,
  ): Promise<{ error: string | null }>;
  close(): Promise<void>;
}

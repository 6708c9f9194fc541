import { quoteShellWord } from '../../domain/shell-quote.js';
import type { SourceLog } from '../../engine/log-port.js';
import type { ShellTransport } from '../../remote/shell/shell-transport.js';
import type { NodeTarget } from '../../remote/types.js';
import type { AgentHandlers, HostLink, HostReply, TaskAgent } from '../remote-host/host-link.js';
import type { RemoteLayout } from '../remote-host/remote-scripts.js';
import { SessionAgent } from './session-agent.js';
import { classifySessionFailure } from './session-failure.js';

// One node of a session source: every script is one command typed into the node's interactive
// shell (remote/shell: a pty, framed by random markers; sessions reused, their starts spaced by the
// transport's limiter). A session that cannot be opened for a transient reason (throttling, a slow
// hand-shake) is tried again after 1, 2, 4 s before the node counts as down. A shell starts where
// the session puts it (SSM: / or /usr/bin), so every script first goes to the login directory:
// workdirs are relative to it, as over ssh.

const RETRY_DELAYS_MS = [1000, 2000, 4000];

/** Brings task directories back through the node's session (the session sync's pull). */
export type SessionFetch = (
  link: SessionHostLink,
  remoteTasksDir: string,
  tasks: readonly string[],
  localTasksDir: string,
) => Promise<{ error: string | null }>;

export class SessionHostLink implements HostLink {
  readonly host: string;

  constructor(
    readonly node: NodeTarget,
    readonly transport: ShellTransport,
    private readonly sourceName: string,
    private readonly log: SourceLog,
    private readonly fetch: SessionFetch | null,
    private readonly onProgress: (line: string) => void,
  ) {
    this.host = node.name;
  }

  describe(): string {
    return `node ${this.node.name} (source ${this.sourceName})`;
  }

  hint(error: string): string {
    return classifySessionFailure(error, this.node.name).hint;
  }

  async run(script: string, timeoutMs = 60_000, command = 'session'): Promise<HostReply> {
    const line = `sh -c ${quoteShellWord(`cd 2>/dev/null || cd /\n${script}`)}`;
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now();
      const r = await this.transport.run(this.node, line, { timeoutMs });
      const error = r.error ?? (r.timedOut ? `no answer within ${Math.round(timeoutMs / 1000)} s` : null);
      this.log.command(command, performance.now() - t0, {
        host: this.node.name,
        exit: r.exitCode,
        ...(error ? { error } : {}),
      });
      // only a session that never ran the command is retried here: a command is never typed twice
      const retry =
        error !== null &&
        r.exitCode === null &&
        !r.timedOut &&
        r.stdout === '' &&
        attempt < RETRY_DELAYS_MS.length &&
        classifySessionFailure(error, this.node.name).transient;
      if (!retry) return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode, error };
      const delay = RETRY_DELAYS_MS[attempt]!;
      this.onProgress(
        `${this.node.name}: session start failed (${firstLine(error)}); trying again in ${delay / 1000} s`,
      );
      await new Promise((res) => setTimeout(res, delay));
    }
  }

  openAgent(layout: RemoteLayout, handlers: AgentHandlers): TaskAgent {
    return new SessionAgent(this, layout, handlers);
  }

  async fetchTasks(
    layout: RemoteLayout,
    tasks: readonly string[],
    localTasksDir: string,
  ): Promise<{ error: string | null }> {
    if (!this.fetch) return { error: `${this.describe()}: no way to bring task directories back` };
    const t0 = performance.now();
    const r = await this.fetch(this, layout.tasksDir, tasks, localTasksDir);
    this.log.command('session collect', performance.now() - t0, {
      host: this.node.name,
      tasks: tasks.length,
      ...(r.error ? { error: r.error } : {}),
    });
    return r;
  }

  async close(): Promise<void> {
    // the transport's sessions are the source's to close (shared by its nodes)
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 200);
}

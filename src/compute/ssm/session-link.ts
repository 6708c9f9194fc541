import { cpSync, existsSync, rmSync } from 'node:fs';
import { quoteShellWord } from '../../domain/shell-quote.js';
import type { SourceLog } from '../../engine/log-port.js';
import type { ShellTransport } from '../../remote/shell/shell-transport.js';
import type { NodeTarget } from '../../remote/types.js';
import type { AgentHandlers, HostLink, HostReply, TaskAgent } from '../remote-host/host-link.js';
import type { RemoteLayout } from '../remote-host/remote-scripts.js';
import {
  pullThroughSession,
  sessionShellOf,
  type S3StagingOptions,
} from '../../remote/session-sync/index.js';
import { HsmError } from '../../domain/errors.js';
import { SessionAgent } from './session-agent.js';
import { classifySessionFailure } from './session-failure.js';
import { plural } from '../../domain/plural.js';

// One node of a session source: every script is one command typed into the node's interactive
// shell (remote/shell: a pty, framed by random markers; sessions reused, their starts spaced by the
// transport's limiter). A session that cannot be opened for a transient reason (throttling, a slow
// hand-shake) is tried again after 1, 2, 4 s before the node counts as down. A shell starts where
// the session puts it (SSM: / or /usr/bin), so every script first goes to the login directory:
// workdirs are relative to it, as over ssh.

const RETRY_DELAYS_MS = [1000, 2000, 4000];
/** How long close waits for collect stages to be removed. */
const CLOSE_WAIT_MS = 10_000;

export class SessionHostLink implements HostLink {
  readonly host: string;
  private batches = 0;
  /** Removals of collect stages still running (close waits for them: the session ends then). */
  private readonly cleaning = new Set<Promise<unknown>>();

  constructor(
    readonly node: NodeTarget,
    readonly transport: ShellTransport,
    private readonly sourceName: string,
    private readonly log: SourceLog,
    private readonly onProgress: (line: string) => void,
    /** Results of 4 MiB or more come back through S3 (the source's `s3_staging`). */
    private readonly s3Staging: S3StagingOptions | null = null,
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
    // One pull per batch: the node links the batch's task directories into a staging directory
    // (cp -al: no copy), the session sync's pull brings it here (checksummed chunks), and each
    // task's files move into its local directory.
    const t0 = performance.now();
    const batch = `collect.${this.node.name}.${process.pid}.${++this.batches}`;
    const stage = `${layout.sweepDir}/${batch}`;
    const link = await this.run(
      [
        `rm -rf ${quoteShellWord(stage)} && mkdir -p ${quoteShellWord(stage)} || exit 3`,
        `cd ${quoteShellWord(layout.tasksDir)} || exit 3`,
        `for t in ${tasks.map(quoteShellWord).join(' ')}; do [ -d "$t" ] && cp -al "$t" ${quoteShellWord(stage)}/; done`,
        'exit 0',
      ].join('\n'),
      60_000,
      'collect stage',
    );
    let error: string | null = link.error;
    let bytes = 0;
    const localStage = `${localTasksDir}/.${batch}`;
    if (!error) {
      try {
        const r = await pullThroughSession(sessionShellOf(this.transport, this.node), {
          remoteDir: stage,
          localDir: localStage,
          timeoutMs: 300_000,
          ...(this.s3Staging
            ? {
                s3Staging: this.s3Staging,
                onWarning: (message: string) =>
                  this.log.event('warn', 'staging:left', { host: this.node.name, message }),
              }
            : {}),
        });
        bytes = r.bytes;
        for (const task of tasks)
          if (existsSync(`${localStage}/${task}`))
            cpSync(`${localStage}/${task}`, `${localTasksDir}/${task}`, { recursive: true, force: true });
      } catch (err) {
        const why = err instanceof HsmError ? `${err.message}${err.hint ? ` ${err.hint}` : ''}` : String(err);
        error = `could not bring ${plural(tasks.length, 'task')} back from ${this.describe()}: ${why}`;
      }
    }
    rmSync(localStage, { recursive: true, force: true });
    const clean = this.run(`rm -rf ${quoteShellWord(stage)}`, 60_000, 'collect clean').catch(() => undefined);
    this.cleaning.add(clean);
    void clean.finally(() => this.cleaning.delete(clean));
    this.log.command('session collect', performance.now() - t0, {
      host: this.node.name,
      tasks: tasks.length,
      bytes,
      ...(error ? { error } : {}),
    });
    return { error };
  }

  async close(): Promise<void> {
    // the transport's sessions are the source's to close (shared by its nodes), after this:
    // a stage removal cut off by the session's end left the stage on the node (a dead node's is
    // not waited for long)
    if (this.cleaning.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.cleaning),
      new Promise((r) => (timer = setTimeout(r, CLOSE_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 200);
}

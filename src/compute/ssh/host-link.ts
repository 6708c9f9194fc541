import { spawn, type ChildProcess } from 'node:child_process';
import { quoteShellWord } from '../../domain/shell-quote.js';
import type { SshSourceSpec } from '../../config/ssh-source.js';
import { SshTransport } from '../../remote/ssh/ssh-transport.js';
import { buildSshArgv, type SshClientOptions } from '../../remote/ssh/ssh-argv.js';
import { rsyncFiles } from '../../remote/ssh/rsync-files.js';
import { sshEndpointOf, type SshEndpoint } from '../../remote/ssh/source-client.js';
import { sshFailureHint } from '../../remote/ssh/ssh-failure-hint.js';
import type { NodeTarget } from '../../remote/types.js';
import { SILENT_LOG, type SourceLog } from '../../engine/log-port.js';
import type { AgentHandlers, HostLink, HostReply, TaskAgent } from '../remote-host/host-link.js';
import type { RemoteLayout } from '../remote-host/remote-scripts.js';
import { AgentChannel } from './agent-channel.js';

// One ssh host of a source: every command to it goes through the OpenSSH client of remote/ssh/
// (BatchMode, ConnectTimeout, verified host keys) over one ControlMaster connection, which rsync
// shares (`-e`). Remote scripts are POSIX sh, given to the login shell as one quoted `sh -c` word.

export class SshHostLink implements HostLink {
  readonly endpoint: SshEndpoint;
  readonly host: string;
  private readonly transport: SshTransport;
  private readonly node: NodeTarget;

  constructor(
    readonly spec: SshSourceSpec,
    base: SshClientOptions,
    /** The source's log: one `source:command` line per ssh call (what it was for, never the script). */
    readonly log: SourceLog = SILENT_LOG,
  ) {
    this.endpoint = sshEndpointOf(spec, base);
    this.transport = new SshTransport(this.endpoint.client); // bad ssh_options fail here, once
    this.host = spec.host;
    this.node = { name: spec.host, target: this.endpoint.destination };
  }

  describe(): string {
    const s = this.spec;
    return s.name === s.host ? `host ${s.host}` : `host ${s.host} (source ${s.name})`;
  }

  hint(error: string): string {
    return sshFailureHint(this.spec.host, error);
  }

  async run(script: string, timeoutMs = 60_000, command = 'ssh'): Promise<HostReply> {
    const t0 = performance.now();
    const r = await this.transport.run(this.node, `sh -c ${quoteShellWord(script)}`, { timeoutMs });
    const error = r.error ?? (r.timedOut ? `no answer within ${Math.round(timeoutMs / 1000)} s` : null);
    this.log.command(command, performance.now() - t0, {
      host: this.spec.host,
      exit: r.exitCode,
      ...(error ? { error } : {}),
    });
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode, error };
  }

  openAgent(layout: RemoteLayout, handlers: AgentHandlers): TaskAgent {
    return new AgentChannel(this, layout, handlers);
  }

  /** A long-lived command with its stdin and stdout as pipes (the task agent). */
  spawn(commandLine: string): ChildProcess {
    const [program, ...args] = buildSshArgv(this.endpoint.destination, commandLine, this.endpoint.client);
    // own session: Ctrl-C at the terminal reaches hsm alone, which then stops tasks itself
    const child = spawn(program!, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.log.event('info', 'agent:start', { host: this.spec.host, pid: child.pid });
    return child;
  }

  // One rsync per batch over the same master connection (-e: the same ssh, the same options).
  async fetchTasks(
    layout: RemoteLayout,
    tasks: readonly string[],
    localTasksDir: string,
  ): Promise<{ error: string | null }> {
    const r = await rsyncFiles({
      endpoint: this.endpoint,
      direction: 'fetch',
      remoteDir: layout.tasksDir,
      localDir: localTasksDir,
      paths: tasks.map((t) => `${t}/`),
    });
    this.log.command('rsync collect', r.ms, {
      host: this.spec.host,
      tasks: tasks.length,
      exit: r.exitCode,
      ...(r.error ? { error: r.error } : {}),
    });
    if (r.exitCode === 0) return { error: null };
    return {
      error: `rsync from ${this.describe()} failed (${r.error ?? `exit ${r.exitCode}`}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    };
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}

import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseAgentLine, type AgentHandlers, type TaskAgent } from '../remote-host/host-link.js';
import { agentCommand, type RemoteLayout } from '../remote-host/remote-scripts.js';
import type { SshHostLink } from './host-link.js';

// The task agent of one host: `hsm-runner.sh agent` behind one long-lived ssh session. hsm writes
// `RUN <attempt> <task_dir> <command.sh as base64>` lines; the agent starts each task at once,
// detached from the session (a task survives the connection and hsm), and answers with the
// runner's lines: S (started, pid), E (ended, exit status), X (withdrawn), F (could not even be
// set up: mkdir or write failed). Starting a task is one line on an open channel: no connection,
// no session, no process on this machine.

export class AgentChannel implements TaskAgent {
  private readonly child: ChildProcess;
  private stderr = '';
  private exited = false;

  constructor(link: SshHostLink, layout: RemoteLayout, { onLine, onExit, onLog }: AgentHandlers) {
    this.child = link.spawn(agentCommand(layout));
    this.child.stdin!.on('error', () => {}); // EPIPE when the session died: reported by 'exit'
    createInterface({ input: this.child.stdout! }).on('line', (raw) => {
      const parsed = parseAgentLine(raw);
      if (parsed) onLine(parsed);
      else onLog(`agent on ${link.spec.host}: ${raw}`);
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
    this.child.on('error', (err) => {
      this.exited = true;
      onExit(`cannot start ssh: ${err.message}`);
    });
    this.child.on('close', (code, signal) => {
      if (this.exited) return;
      this.exited = true;
      const text = this.stderr.trim().split('\n').slice(-3).join(' | ');
      onExit(
        `the ssh session of the task agent ended (${signal ?? `exit ${code}`})${text ? `: ${text}` : ''}`,
      );
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  send(attempt: number, dir: string, script: string): void {
    this.child.stdin!.write(`RUN ${attempt} ${dir} ${Buffer.from(script, 'utf8').toString('base64')}\n`);
  }

  /** Ends the session: the agent stops reading; tasks it started go on and record their exit. */
  close(): void {
    if (this.exited) return;
    this.child.stdin!.end();
    const t = setTimeout(() => this.child.kill('SIGTERM'), 3000);
    t.unref();
    this.child.once('close', () => clearTimeout(t));
  }

  /** Stops the local ssh client at once (the remote tasks are not touched). */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

import { quoteShellWord as q } from '../../domain/shell-quote.js';
import { parseAgentLine, type AgentHandlers, type TaskAgent } from '../remote-host/host-link.js';
import type { RemoteLayout } from '../remote-host/remote-scripts.js';
import type { SessionHostLink } from './session-link.js';

// The task agent of a node reached through a shell session. A pty cannot carry a long-lived pipe
// beside the commands typed into it, so the runner's agent is started per batch instead: the RUN
// lines sent since the last batch are piped, in one command, into `setsid -w bash hsm-runner.sh
// agent`, which starts every task detached in a session of its own (no terminal: closing the pty
// or killing hsm sends them no SIGHUP) and exits at the end of its input. Its S/X/F lines are read
// back when the command ends (with the E lines of tasks that already ended); the E lines the
// tasks' waiters print later go to an unlinked file: those exits are read by the status rounds,
// from the records.

const COALESCE_MS = 10;

export class SessionAgent implements TaskAgent {
  private pending: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> = Promise.resolve();
  private ended = false;

  constructor(
    private readonly link: SessionHostLink,
    private readonly layout: RemoteLayout,
    private readonly handlers: AgentHandlers,
  ) {}

  get alive(): boolean {
    return !this.ended;
  }

  send(attempt: number, dir: string, script: string): void {
    if (this.ended) return;
    this.pending.push(`RUN ${attempt} ${dir} ${Buffer.from(script, 'utf8').toString('base64')}`);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      const lines = this.pending.splice(0);
      this.sending = this.sending.then(() => this.launch(lines));
    }, COALESCE_MS);
  }

  close(): void {
    // lines not yet sent go out first: they were handed over
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      const lines = this.pending.splice(0);
      this.sending = this.sending.then(() => this.launch(lines));
    }
    void this.sending.then(() => (this.ended = true));
  }

  kill(): void {
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
  }

  private async launch(lines: readonly string[]): Promise<void> {
    if (lines.length === 0 || this.ended) return;
    const out = `${q(this.layout.sweepDir)}/agent.out.$$`;
    const script = [
      `cd ${q(this.layout.tasksDir)} || exit 3`,
      `printf '%s\\n' ${lines.map(q).join(' ')} | setsid -w bash ${q(this.layout.runner)} agent >${out} 2>&1`,
      // each task's waiter prints its S line once the task runs, maybe after the agent has ended
      `i=0; while [ "$(grep -c '^[SXF] ' ${out})" -lt ${lines.length} ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done`,
      `cat ${out}`,
      `rm -f ${out}`,
    ].join('\n');
    const r = await this.link.run(script, 120_000, `agent (${lines.length} tasks)`);
    if (r.error) {
      this.ended = true;
      this.handlers.onExit(r.error);
      return;
    }
    for (const raw of r.stdout.split('\n')) {
      if (!raw.trim()) continue;
      const parsed = parseAgentLine(raw.trim());
      if (parsed) this.handlers.onLine(parsed);
      else this.handlers.onLog(`agent on ${this.link.host}: ${raw}`);
    }
  }
}

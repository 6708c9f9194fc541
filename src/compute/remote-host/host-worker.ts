import type { AdoptRequest, SourceEvent, SubmitRequest } from '../../engine/ports.js';
import { renderTaskScript } from '../command-script.js';
import { sourceLogOf } from '../source-context.js';
import type { AgentLine, CollectItem, CollectOutcome, HostLink, TaskAgent } from './host-link.js';
import {
  controlScript,
  parseStatus,
  statusScript,
  type RemoteLayout,
  type TaskState,
} from './remote-scripts.js';
import { ResultCollector } from './result-collector.js';
import { HostHealth } from './host-health.js';
import { connectHost, type HostSpec } from './host-connection.js';
import { SourceEventQueue } from '../source-event-queue.js';
import { judgeTaskState, remoteAttempt, type RemoteAttempt } from './remote-attempt.js';
import { plural } from '../../domain/plural.js';

// One remote host running a sweep's tasks, whatever reaches it (host-link.ts: ssh, or a shell
// session). The project is on the host (in `workdir`); hsm keeps the sweep's task directories under
// workdir/.hsm/sweeps/<id>/tasks and the runner next to them. Tasks start through the host's task
// agent, run detached from it, and write the same started/exit records as everywhere. Every few
// seconds, one command reads the records and liveness of all the host's tasks at once (the
// heartbeat): it is how adopted attempts are followed, how a task whose process vanished is told
// from a running one, and how a dead host is noticed. A host that cannot be reached takes no tasks
// and is checked again with backoff (host-health.ts); after `lost_after` without word, its tasks
// are reported lost (the engine runs them again elsewhere). Finished task directories come back
// through the link (result-collector.ts). Getting the host ready is host-connection.ts; what a
// status round's answer means, remote-attempt.ts.

const TICK_MS = 250;
const HEARTBEAT_MS = 3000;
/** Faster while following attempts whose fate is unknown (adopted, withdrawn, process gone). */
const FOLLOW_MS = 1000;

export interface HostWorkerOptions extends HostSpec {
  link: HostLink;
  /** Attempts at once; null: the host's processor count. */
  slots: number | null;
  lostAfterMs: number;
  cleanRemote: boolean;
  /** Status round interval while nothing needs following (default 3 s: the ssh agent reports
   * exits itself; a session's agent does not, so its exits are read by the rounds). */
  heartbeatMs?: number;
  /** Where events go when this host is one of several of a source (else `poll` returns them). */
  onEvent?: (event: SourceEvent) => void;
}

export class HostWorker {
  readonly name: string;
  private slotCount: number;
  readonly link: HostLink;
  private readonly health: HostHealth;
  private readonly collector: ResultCollector;
  private readonly inflight = new Map<string, RemoteAttempt>();
  private layout: RemoteLayout | null = null;
  private agent: TaskAgent | null = null;
  private readonly events = new SourceEventQueue();
  private connecting: Promise<void> | null = null;
  private connectingNow = false;
  private statusRunning = false;
  private lastStatusAt = 0;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onLog: (line: string) => void;
  private readonly warn: (message: string) => void;

  private readonly progress: (line: string) => void;

  constructor(private readonly options: HostWorkerOptions) {
    this.name = options.sourceName;
    this.slotCount = options.slots ?? 1;
    const log = sourceLogOf(options.context, this.name);
    this.onLog = (message) => log.event('debug', 'source:note', { message });
    this.warn = options.context.warn ?? this.onLog;
    this.progress = options.context.progress ?? this.onLog;
    this.link = options.link;
    this.health = new HostHealth(this.link.describe(), options.lostAfterMs);
    this.collector = new ResultCollector(this.link, () => this.layout, options.context.tasksDir, {
      cleanRemote: options.cleanRemote,
      onLog: this.warn,
    });
    this.connecting = this.connect();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  get slots(): number {
    return this.slotCount;
  }

  capacity(): number {
    if (!this.health.ready || !this.agent?.alive || !this.layout) return 0;
    return Math.max(0, this.slotCount - this.inflight.size);
  }

  /** Whether this host has the attempt in flight. */
  holds(task: string, attempt: number): boolean {
    return this.inflight.get(task)?.attempt === attempt;
  }

  inFlight(): number {
    return this.inflight.size;
  }

  /** Why this source takes no tasks and will not soon (the host is down or refused the setup). */
  unavailable(): string | null {
    return this.health.givenUp(Date.now()) ? this.health.problem() : null;
  }

  async submit(requests: readonly SubmitRequest[]): Promise<void> {
    const agent = this.agent;
    const layout = this.layout;
    if (!agent?.alive || !layout)
      throw new Error(`${this.link.describe()} is not connected: ${this.health.problem() ?? 'connecting'}`);
    for (const req of requests) {
      const script = renderTaskScript(
        req,
        {
          sweepId: this.options.context.sweepId,
          sweepDir: layout.sweepDir,
          taskDir: `${layout.tasksDir}/${req.task}`,
          projectRoot: layout.root,
        },
        this.options.environment,
      );
      this.inflight.set(req.task, remoteAttempt(req, null, Date.now()));
      agent.send(req.attempt, req.task, script);
    }
  }

  adopt(attempts: readonly AdoptRequest[]): void {
    const prefix = `${this.link.host}:`;
    for (const a of attempts) {
      const pid = a.handle?.startsWith(prefix) ? Number(a.handle.slice(prefix.length)) : NaN;
      this.inflight.set(a.task, remoteAttempt(a, Number.isInteger(pid) && pid > 0 ? pid : null, null));
    }
  }

  poll(waitMs: number): Promise<SourceEvent[]> {
    return this.events.poll(waitMs);
  }

  async terminate(attempts: readonly { task: string; attempt: number }[], graceMs: number): Promise<void> {
    await this.connecting;
    const targets = () =>
      attempts
        .map((a) => this.inflight.get(a.task))
        .filter((t): t is RemoteAttempt => t !== undefined && attempts.some((a) => a.attempt === t.attempt));
    if (targets().length === 0) return;
    const reached = await this.control('kill TERM', targets());
    const deadline = Date.now() + graceMs;
    while (reached && targets().length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      if (!this.agent?.alive) await this.statusRound();
    }
    if (targets().length === 0) return;
    if (reached && (await this.control('kill KILL', targets()))) {
      // the exit records come through the agent or the next status round
      for (let i = 0; i < 40 && targets().length > 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        if (!this.agent?.alive && i % 10 === 9) await this.statusRound();
      }
      return;
    }
    for (const t of targets()) {
      this.finish(
        t,
        null,
        `could not reach ${this.link.describe()} to stop it: ${this.health.problem() ?? ''}`,
      );
    }
  }

  /** Brings these finished attempts' directories back (hsm collect). */
  async collect(items: readonly CollectItem[]): Promise<CollectOutcome> {
    await this.connecting;
    return this.collector.collect(items);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.collector.flush();
    this.agent?.close();
    await this.link.close();
  }

  // ---- connection ----

  // Checks the host and prepares it (workdir, task root, runner, programs, setup), then opens the agent.
  private async connect(): Promise<void> {
    const c = await connectHost(this.link, {
      ...this.options,
      progress: this.progress,
      closed: () => this.closed,
    });
    if (c.kind === 'closed') return;
    if (c.kind === 'unreachable') {
      this.markDown(c.error, this.link.hint(c.error));
      return;
    }
    if (c.kind === 'refused') {
      this.health.refuse(c.message, c.hint);
      if (c.warning) this.warn(c.warning);
      return;
    }
    this.layout = c.layout;
    if (this.options.slots === null && c.cpus) this.slotCount = c.cpus;
    this.agent = this.link.openAgent(c.layout, {
      onLine: (line) => this.onAgentLine(line),
      onExit: (why) => {
        if (!this.closed) this.markDown(why, this.link.hint(why));
      },
      onLog: this.onLog,
    });
    this.health.up();
  }

  private markDown(reason: string, hint: string): void {
    this.agent?.kill();
    this.agent = null;
    if (this.health.down(`${this.link.describe()}: ${reason}`, hint))
      this.warn(
        `${this.link.describe()} is unreachable (${reason}); it takes no tasks and is checked again with backoff. ${hint}`,
      );
  }

  private tick(): void {
    if (this.closed) return;
    const now = Date.now();
    if (this.health.shouldRecheck(now) && !this.connectingNow) {
      this.connectingNow = true;
      this.connecting = this.connect().finally(() => (this.connectingNow = false));
    }
    if (this.health.lostNow(now) && this.inflight.size > 0) {
      const why = `no word from ${this.link.describe()} for ${Math.round(this.options.lostAfterMs / 1000)} s (${this.health.problem()})`;
      this.warn(
        `${why}: its ${plural(this.inflight.size, 'task')} ${this.inflight.size === 1 ? 'is' : 'are'} lost and run again elsewhere`,
      );
      for (const t of [...this.inflight.values()]) this.finish(t, null, why);
    }
    const following = [...this.inflight.values()].some(
      (t) => t.adopted || t.goneRounds > 0 || t.skipRounds > 0,
    );
    const interval = following || !this.agent?.alive ? FOLLOW_MS : (this.options.heartbeatMs ?? HEARTBEAT_MS);
    if (this.inflight.size > 0 && this.layout && !this.statusRunning && now - this.lastStatusAt >= interval)
      void this.statusRound();
  }

  // The heartbeat: one command reads every in-flight task of this host.
  private async statusRound(): Promise<void> {
    if (this.statusRunning || !this.layout || this.inflight.size === 0) return;
    this.statusRunning = true;
    try {
      const asked = [...this.inflight.values()];
      const r = await this.link.run(
        statusScript(
          this.layout,
          asked.map((t) => ({ dir: t.task, attempt: t.attempt })),
        ),
        20_000,
        'status',
      );
      this.lastStatusAt = Date.now();
      if (r.error) {
        this.markDown(r.error, this.link.hint(r.error));
        return;
      }
      const withdraw: RemoteAttempt[] = [];
      for (const s of parseStatus(r.stdout).tasks) {
        const t = this.inflight.get(s.dir);
        if (t && t.attempt === s.attempt) this.onTaskState(t, s, withdraw);
      }
      if (withdraw.length > 0) await this.control('withdraw', withdraw);
    } finally {
      this.statusRunning = false;
    }
  }

  private onTaskState(t: RemoteAttempt, s: TaskState, withdraw: RemoteAttempt[]): void {
    const v = judgeTaskState(t, s, this.agent?.alive === true, this.link.host, Date.now());
    if (v.kind === 'started') this.started(t, v.pid);
    else if (v.kind === 'withdraw') withdraw.push(t);
    else if (v.kind === 'never-started') this.neverStarted(t, v.detail);
    else if (v.kind === 'finished') {
      if (v.startedPid !== undefined) this.started(t, v.startedPid);
      this.finish(t, v.rc, v.detail);
    }
  }

  private async control(
    action: 'kill TERM' | 'kill KILL' | 'withdraw',
    targets: readonly RemoteAttempt[],
  ): Promise<boolean> {
    if (!this.layout || targets.length === 0) return this.layout !== null;
    const r = await this.link.run(
      controlScript(
        this.layout,
        action,
        targets.map((t) => ({ dir: t.task, attempt: t.attempt })),
      ),
      15_000,
      action,
    );
    if (r.error) {
      this.markDown(r.error, this.link.hint(r.error));
      return false;
    }
    return true;
  }

  // ---- events ----

  private onAgentLine(line: AgentLine): void {
    const t = this.inflight.get(line.dir);
    if (!t || t.attempt !== line.attempt) return;
    switch (line.kind) {
      case 'S':
        this.started(t, line.pid);
        return;
      case 'E':
        this.finish(t, line.rc, undefined);
        return;
      case 'X':
        this.neverStarted(t, 'withdrawn before it started');
        return;
      case 'F': {
        const wd = this.options.workdirDisplay;
        const message = `${this.link.describe()}: cannot set up task ${t.task} in ${wd}: ${line.message || 'mkdir or write failed'}`;
        const hint = /space/i.test(line.message)
          ? `The disk of ${wd} on ${this.link.host} is full: free space there.`
          : `Check that the user can write in ${wd} on ${this.link.host}.`;
        this.warn(`${message} ${hint}`);
        this.health.refuse(message, hint);
        this.agent?.close();
        this.agent = null;
        this.neverStarted(t, message);
      }
    }
  }

  private started(t: RemoteAttempt, pid: number): void {
    t.pid = pid;
    this.push({
      kind: 'started',
      task: t.task,
      attempt: t.attempt,
      handle: `${this.link.host}:${pid}`,
      host: this.link.host,
      at: Date.now(),
    });
  }

  private finish(t: RemoteAttempt, rc: number | null, detail: string | undefined): void {
    this.inflight.delete(t.task);
    this.push({
      kind: 'finished',
      task: t.task,
      attempt: t.attempt,
      exitStatus: rc,
      ...(detail ? { detail } : {}),
      at: Date.now(),
    });
    if (rc !== null) this.collector.add([{ task: t.task, attempt: t.attempt, localDir: t.localDir }]);
  }

  private neverStarted(t: RemoteAttempt, detail: string): void {
    this.inflight.delete(t.task);
    this.push({
      kind: 'finished',
      task: t.task,
      attempt: t.attempt,
      exitStatus: null,
      neverStarted: true,
      detail,
      at: Date.now(),
    });
  }

  private push(event: SourceEvent): void {
    if (this.options.onEvent) return this.options.onEvent(event);
    this.events.push(event);
  }
}

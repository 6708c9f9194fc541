import type { AdoptRequest, SourceEvent, SubmitRequest } from '../../engine/ports.js';
import { renderTaskScript, type TaskEnvironment } from '../command-script.js';
import { sourceLogOf, type SweepContext } from '../source-context.js';
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
import { setupHash } from './setup-hash.js';
import { prepareHost } from './host-preparation.js';
import { runHostSetup } from './host-setup.js';

// One remote host running a sweep's tasks, whatever reaches it (host-link.ts: ssh, or a shell
// session). The project is on the host (in `workdir`); hsm keeps the sweep's task directories under
// workdir/.hsm/sweeps/<id>/tasks and the runner next to them. Tasks start through the host's task
// agent, run detached from it, and write the same started/exit records as everywhere. Every few
// seconds, one command reads the records and liveness of all the host's tasks at once (the
// heartbeat): it is how adopted attempts are followed, how a task whose process vanished is told
// from a running one, and how a dead host is noticed. A host that cannot be reached takes no tasks
// and is checked again with backoff (host-health.ts); after `lost_after` without word, its tasks
// are reported lost (the engine runs them again elsewhere). Finished task directories come back
// through the link (result-collector.ts).

const TICK_MS = 250;
const HEARTBEAT_MS = 3000;
/** Faster while following attempts whose fate is unknown (adopted, withdrawn, process gone). */
const FOLLOW_MS = 1000;
const COALESCE_MS = 10;
/** A RUN line sent this long ago with no start seen, while the agent lives, is still in flight. */
const IN_FLIGHT_GRACE_MS = 10_000;

interface RemoteAttempt {
  task: string;
  attempt: number;
  localDir: string;
  pid: number | null;
  adopted: boolean;
  sentAt: number;
  goneRounds: number;
  skipRounds: number;
}

export interface HostWorkerOptions {
  /** The source's name in hsm_config.yaml. */
  sourceName: string;
  link: HostLink;
  /** As the remote shell reads it: relative to the login directory, or absolute. */
  workdir: string;
  /** The workdir as written in hsm_config.yaml, for messages. */
  workdirDisplay: string;
  /** Attempts at once; null: the host's processor count. */
  slots: number | null;
  context: SweepContext;
  environment: TaskEnvironment;
  lostAfterMs: number;
  cleanRemote: boolean;
  /** `setup:` commands, run in the project root on the host before its first task. */
  setup: readonly string[];
  /** Programs the transport needs on the host besides bash and base64. */
  tools: readonly string[];
  /** How a user puts a missing program on the PATH hsm sees there. */
  pathHint: string;
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
  private events: SourceEvent[] = [];
  private wake: (() => void) | null = null;
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
    return this.health.problem();
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
      this.inflight.set(req.task, {
        task: req.task,
        attempt: req.attempt,
        localDir: req.localDir,
        pid: null,
        adopted: false,
        sentAt: Date.now(),
        goneRounds: 0,
        skipRounds: 0,
      });
      agent.send(req.attempt, req.task, script);
    }
  }

  adopt(attempts: readonly AdoptRequest[]): void {
    const prefix = `${this.link.host}:`;
    for (const a of attempts) {
      const pid = a.handle?.startsWith(prefix) ? Number(a.handle.slice(prefix.length)) : NaN;
      this.inflight.set(a.task, {
        task: a.task,
        attempt: a.attempt,
        localDir: a.localDir,
        pid: Number.isInteger(pid) && pid > 0 ? pid : null,
        adopted: true,
        sentAt: 0,
        goneRounds: 0,
        skipRounds: 0,
      });
    }
  }

  poll(waitMs: number): Promise<SourceEvent[]> {
    if (this.events.length > 0 || waitMs <= 0) return Promise.resolve(this.drain());
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve(this.drain());
      }, waitMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        setTimeout(() => resolve(this.drain()), COALESCE_MS);
      };
    });
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

  // Checks the host and prepares it (workdir, task root, runner, programs), then opens the agent.
  private async connect(): Promise<void> {
    const ctx = this.options.context;
    const verdict = ctx.verifyProject ? await ctx.verifyProject(this.name) : null;
    if (verdict) {
      this.health.refuse(verdict.message, verdict.hint);
      return;
    }
    const p = await prepareHost(this.link, {
      sourceName: this.name,
      workdir: this.options.workdir,
      workdirDisplay: this.options.workdirDisplay,
      sweepId: ctx.sweepId,
      programs: this.requiredPrograms(),
      tools: this.options.tools,
      pathHint: this.options.pathHint,
    });
    if (p.kind === 'unreachable') {
      this.markDown(p.error, this.link.hint(p.error));
      return;
    }
    if (p.kind === 'refused') {
      this.health.refuse(p.message, p.hint);
      this.warn(`${p.message} ${p.hint}`);
      return;
    }
    if (this.options.setup.length > 0 && !(await this.runSetup(p.layout))) return;
    this.layout = p.layout;
    if (this.options.slots === null && p.cpus) this.slotCount = p.cpus;
    this.agent = this.link.openAgent(p.layout, {
      onLine: (line) => this.onAgentLine(line),
      onExit: (why) => {
        if (!this.closed) this.markDown(why, this.link.hint(why));
      },
      onLog: this.onLog,
    });
    this.health.up();
  }

  // The source's setup (pip install ...): once per host, again only when its text or a project file
  // it names changes (the hash). This host's tasks wait for it; the other hosts do not.
  private async runSetup(layout: RemoteLayout): Promise<boolean> {
    const r = await runHostSetup(this.link, layout, {
      commands: this.options.setup,
      hash: setupHash(this.options.setup, this.options.context.projectRoot),
      workdirDisplay: this.options.workdirDisplay,
      sourceName: this.name,
      progress: this.progress,
      closed: () => this.closed,
    });
    if (r.kind === 'closed') return false; // the run ended first: the setup goes on, detached
    if (r.kind === 'unreachable') {
      if (!this.closed) this.markDown(r.error, this.link.hint(r.error));
      return false;
    }
    if (r.kind === 'failed') {
      this.health.refuse(r.message, r.hint);
      this.warn(`${r.message}\n${r.hint}`);
      return false;
    }
    this.progress(
      `${this.link.describe()}: setup ${r.skipped ? 'already done (unchanged): skipped' : `done in ${r.seconds.toFixed(1)} s`}`,
    );
    return true;
  }

  private requiredPrograms(): string[] {
    const env = this.options.environment;
    const program = this.options.context.program;
    // a venv, conda env or module may put the program on PATH only when the task starts
    if (!program || program.includes('/') || env.venv || env.condaEnv || (env.modules?.length ?? 0) > 0)
      return [];
    return [program];
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
      this.warn(`${why}: its ${this.inflight.size} task(s) are lost and run again elsewhere`);
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
    // Records read before the agent took this attempt up may be an earlier sweep's of the same id
    // (the agent clears them when it starts the task): while the agent has the task, its own lines
    // say when it starts and ends; a record naming another process is not this attempt's.
    const agentHasIt = !t.adopted && this.agent?.alive === true && Date.now() - t.sentAt < IN_FLIGHT_GRACE_MS;
    if (s.state !== 'wait' && ((t.pid === null && agentHasIt) || (t.pid !== null && s.pid !== t.pid))) return;
    if (s.state === 'exit') {
      if (t.pid === null && s.pid > 0) this.started(t, s.pid);
      this.finish(t, s.rc, undefined);
      return;
    }
    if (s.state === 'run') {
      t.goneRounds = 0;
      t.skipRounds = 0;
      if (t.pid === null) this.started(t, s.pid);
      return;
    }
    if (s.state === 'gone') {
      if (t.pid === null) this.started(t, s.pid);
      // the runner writes the exit record just after its task ends: give it a round
      if (++t.goneRounds >= 2)
        this.finish(t, null, `process ${s.pid} on ${this.link.host} is gone and left no exit record`);
      return;
    }
    if (s.state === 'skip') {
      if (++t.skipRounds >= 2) this.neverStarted(t, 'withdrawn before it started');
      return;
    }
    // wait: no start yet. A line still in the agent's pipe, or never to start (agent or hsm gone)
    if (!agentHasIt) withdraw.push(t);
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
    this.wake?.();
  }

  private drain(): SourceEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }
}

import { HsmError } from '../../domain/errors.js';
import type { AdoptRequest, ComputeSource, SourceEvent, SubmitRequest } from '../../engine/ports.js';
import type { SsmSourceSpec } from '../../config/ssm-source.js';
import { createShellTransport, type ShellTransport } from '../../remote/shell/index.js';
import type { NodeTarget } from '../../remote/types.js';
import type { TaskEnvironment } from '../command-script.js';
import { sourceLogOf, type SweepContext } from '../source-context.js';
import type { CollectItem, CollectOutcome } from '../remote-host/host-link.js';
import { SourceEventQueue } from '../source-event-queue.js';
import { HostWorker } from '../remote-host/host-worker.js';
import type { S3StagingOptions } from '../../remote/session-sync/index.js';
import { SessionHostLink } from './session-link.js';
import { defaultShellCommand, resolveSessionNodes } from './session-nodes.js';

// Nodes reached only through an interactive shell (AWS SSM sessions, `ssh -tt`, `kubectl exec -it`)
// as one compute source: one remote-host worker per node (the same records, heartbeat, setup,
// health and lost_after as an ssh host), each over its node's shell session. Tasks go to the node
// with the most free slots; a node that dies takes no more and its tasks are lost after
// `lost_after` and run again on the others. The node of every attempt in flight is kept in the
// sweep's store, so that `hsm complete` after a crash asks the right node about it.

export interface SsmSourceOptions {
  spec: SsmSourceSpec;
  /** Attempts at once per node; null: the node's processor count. */
  slots: number | null;
  context: SweepContext;
  environment: TaskEnvironment;
  lostAfterMs: number;
  cleanRemote: boolean;
  setup: readonly string[];
  /** The aws program (tests: the stand-in). */
  awsCommand?: string;
}

export class SsmSource implements ComputeSource {
  readonly type = 'ssm' as const;
  readonly name: string;
  private workers: HostWorker[] = [];
  private readonly transport: ShellTransport;
  private readonly ready: Promise<void>;
  private problem: string | null = null;
  private readonly events = new SourceEventQueue();
  private pendingAdopts: AdoptRequest[] = [];
  private readonly placement = new Map<string, string>();
  private closed = false;

  constructor(private readonly options: SsmSourceOptions) {
    this.name = options.spec.name;
    this.transport = createShellTransport({
      shellCommand: options.spec.shellCommand ?? defaultShellCommand(options.spec, options.awsCommand),
      sessionRateLimit: options.spec.sessionRate,
      connectTimeoutMs: 60_000,
    });
    try {
      const saved = JSON.parse(options.context.state(this.name).get('nodes') ?? '{}') as Record<
        string,
        string
      >;
      for (const [task, node] of Object.entries(saved)) this.placement.set(task, node);
    } catch {
      /* unreadable: adoption asks by handle only */
    }
    this.ready = this.start();
  }

  get slots(): number {
    return this.workers.reduce((n, w) => n + w.slots, 0) || (this.options.slots ?? 1);
  }

  capacity(): number {
    return this.workers.reduce((n, w) => n + w.capacity(), 0);
  }

  inFlight(): number {
    return this.workers.reduce((n, w) => n + w.inFlight(), 0) + this.pendingAdopts.length;
  }

  unavailable(): string | null {
    if (this.problem) return this.problem;
    if (this.workers.length === 0) return null;
    const problems = this.workers.map((w) => w.unavailable());
    return problems.every((p) => p !== null) ? problems.join('\n    ') : null;
  }

  async submit(requests: readonly SubmitRequest[]): Promise<void> {
    const free = new Map(this.workers.map((w) => [w, w.capacity()]));
    const batches = new Map<HostWorker, SubmitRequest[]>();
    for (const req of requests) {
      let best: HostWorker | null = null;
      for (const [w, n] of free) if (n > 0 && (!best || n > free.get(best)!)) best = w;
      if (!best) throw new Error(`source ${this.name}: no node takes tasks now`);
      free.set(best, free.get(best)! - 1);
      batches.set(best, [...(batches.get(best) ?? []), req]);
      this.placement.set(req.task, best.link.host);
    }
    this.savePlacement();
    await Promise.all([...batches].map(([w, reqs]) => w.submit(reqs)));
  }

  adopt(attempts: readonly AdoptRequest[]): void {
    this.pendingAdopts.push(...attempts);
    void this.ready.then(() => this.placeAdopted());
  }

  poll(waitMs: number): Promise<SourceEvent[]> {
    return this.events.poll(waitMs);
  }

  async terminate(
    attempts: readonly { task: string; attempt: number }[],
    graceMs: number,
    why?: 'timeout' | 'cancel' | 'withdraw',
  ): Promise<void> {
    await this.ready;
    await Promise.all(
      this.workers.map((w) => {
        const mine = attempts.filter((a) => w.holds(a.task, a.attempt));
        return mine.length > 0 ? w.terminate(mine, graceMs) : Promise.resolve();
      }),
    );
    void why;
  }

  async collect(items: readonly CollectItem[]): Promise<CollectOutcome> {
    await this.ready;
    const out: CollectOutcome = { collected: [], missing: [], error: null };
    for (const w of this.workers) {
      const mine = items.filter((i) => (i.host ?? this.placement.get(i.task)) === w.link.host);
      if (mine.length === 0) continue;
      const r = await w.collect(mine);
      out.collected.push(...r.collected);
      out.missing.push(...r.missing);
      out.error ??= r.error;
    }
    const asked = new Set([...out.collected, ...out.missing]);
    out.missing.push(...items.filter((i) => !asked.has(i.task)).map((i) => i.task));
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.ready;
    await Promise.all(this.workers.map((w) => w.close()));
    await this.transport.close();
  }

  // Finds the nodes (a HyperPod group is listed through the AWS CLI), then one worker per node.
  private async start(): Promise<void> {
    let nodes: NodeTarget[];
    try {
      nodes = await resolveSessionNodes(this.options.spec, this.options.awsCommand);
    } catch (err) {
      const e = err instanceof HsmError ? err : new HsmError('infra', String(err));
      this.problem = `source ${this.name}: ${e.message}${e.hint ? ` ${e.hint}` : ''}`;
      this.options.context.warn?.(this.problem);
      return;
    }
    if (this.closed) return;
    const log = sourceLogOf(this.options.context, this.name);
    const progress = this.options.context.progress ?? (() => {});
    this.workers = nodes.map(
      (node) =>
        new HostWorker({
          sourceName: this.name,
          link: new SessionHostLink(node, this.transport, this.name, log, progress, this.staging()),
          workdir: this.options.spec.workdir,
          workdirDisplay: this.options.spec.workdirDisplay,
          slots: this.options.slots,
          context: this.options.context,
          environment: this.options.environment,
          lostAfterMs: this.options.lostAfterMs,
          cleanRemote: this.options.cleanRemote,
          setup: this.options.setup,
          tools: ['setsid'],
          heartbeatMs: 1000,
          pathHint: "or put it on the PATH of the node's login shell",
          onEvent: (event) => this.onEvent(event),
        }),
    );
  }

  // An adopted attempt goes to the node its handle (`node:pid`) or the saved placement names; one
  // with neither never reached a node (it was queued, not handed over): it never started.
  private placeAdopted(): void {
    const attempts = this.pendingAdopts.splice(0);
    for (const a of attempts) {
      const node = a.handle?.split(':')[0] ?? a.host ?? this.placement.get(a.task);
      const worker = this.workers.find((w) => w.link.host === node);
      if (worker) worker.adopt([a]);
      else
        this.onEvent({
          kind: 'finished',
          task: a.task,
          attempt: a.attempt,
          exitStatus: null,
          neverStarted: true,
          detail: node
            ? `node ${node} is no longer a node of source ${this.name}`
            : 'it never reached a node',
          at: Date.now(),
        });
    }
  }

  private onEvent(event: SourceEvent): void {
    // only attempts in flight need their node remembered (for adoption by a later hsm)
    if (event.kind === 'finished') this.placement.delete(event.task);
    this.events.push(event);
  }

  private savePlacement(): void {
    this.options.context.state(this.name).set('nodes', JSON.stringify(Object.fromEntries(this.placement)));
  }

  // The source's s3_staging for results coming back (pushes take it in api/session-projects.ts).
  private staging(): S3StagingOptions | null {
    const { spec, awsCommand } = this.options;
    if (spec.s3Staging === null) return null;
    return {
      url: spec.s3Staging,
      region: spec.region,
      profile: spec.profile,
      ...(awsCommand ? { awsCommand } : {}),
    };
  }
}

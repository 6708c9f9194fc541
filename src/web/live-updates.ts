import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SweepReaders } from './sweep-readers.js';

// Live updates of one sweep by server-sent events. One watcher per sweep, shared by every page
// showing it: it looks at the store's latest event id (one indexed read), and when the store has
// changed sends every client the sweep's status and the tasks that changed. The status is kept
// current from the events (SweepReader.liveStatus: only the changed tasks are read, not 100,000 rows
// grouped again), so a look costs about what changed. Bursts coalesce: a thousand task events
// between two looks are one message. The look interval still grows with what a look costs, so
// watching never takes more than a fifth of a core.

const MIN_INTERVAL_MS = 150;
const MAX_INTERVAL_MS = 2000;
const HEARTBEAT_MS = 15_000;
/** Changed task names sent at most per message; past it, `more` tells pages to reload what they show. */
const MAX_NAMES = 500;

interface Watcher {
  clients: Set<ServerResponse>;
  lastId: number;
  timer: NodeJS.Timeout | null;
}

export class LiveUpdates {
  private readonly watchers = new Map<string, Watcher>();

  constructor(private readonly readers: SweepReaders) {}

  /** Answers a GET of the event stream: the current status at once, then changes as they happen. */
  subscribe(id: string, req: IncomingMessage, res: ServerResponse): void {
    const reader = this.readers.hold(id);
    let watcher = this.watchers.get(id);
    if (!watcher) {
      watcher = { clients: new Set(), lastId: reader.changes(0, 0).lastId, timer: null };
      this.watchers.set(id, watcher);
      this.schedule(id, watcher, MIN_INTERVAL_MS);
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: 1000\n\n`);
    send(res, 'status', { last_id: watcher.lastId, status: reader.liveStatus(), tasks: [], more: false });
    watcher.clients.add(res);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const w = watcher;
    const close = () => {
      clearInterval(heartbeat);
      if (!w.clients.delete(res)) return;
      this.readers.release(id);
      if (w.clients.size === 0) {
        if (w.timer) clearTimeout(w.timer);
        this.watchers.delete(id);
      }
    };
    req.on('close', close);
    res.on('error', close);
  }

  closeAll(): void {
    for (const w of this.watchers.values()) {
      if (w.timer) clearTimeout(w.timer);
      for (const res of w.clients) res.end();
    }
    this.watchers.clear();
  }

  private schedule(id: string, watcher: Watcher, delayMs: number): void {
    watcher.timer = setTimeout(() => {
      if (!this.watchers.has(id)) return;
      const started = performance.now();
      try {
        this.look(id, watcher);
      } catch (err) {
        for (const res of watcher.clients) send(res, 'problem', { error: (err as Error).message });
      }
      const cost = performance.now() - started;
      this.schedule(id, watcher, Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, cost * 5)));
    }, delayMs);
  }

  private look(id: string, watcher: Watcher): void {
    const reader = this.readers.get(id);
    const changed = reader.changes(watcher.lastId, MAX_NAMES);
    if (changed.lastId === watcher.lastId) return;
    watcher.lastId = changed.lastId;
    const message = {
      last_id: changed.lastId,
      status: reader.liveStatus(),
      tasks: changed.tasks,
      more: changed.more,
    };
    for (const res of watcher.clients) send(res, 'status', message);
  }
}

function send(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

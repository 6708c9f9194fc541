import type { SweepLogger } from './log-port.js';
import type { TaskChange } from './ports.js';

// Every task state change the store committed, as `task:state` lines of the sweep log (one per
// change, with the status it moved to): the engine's rounds and the corrections of reconcile.
export function logChanges(log: SweepLogger, changes: readonly TaskChange[], why?: string): void {
  for (const c of changes) {
    switch (c.kind) {
      case 'queued':
        log.event('info', 'task:state', {
          task: c.task,
          attempt: c.attempt,
          status: 'queued',
          source: c.source,
          why,
        });
        break;
      case 'started':
        log.event('info', 'task:state', {
          task: c.task,
          attempt: c.attempt,
          status: 'running',
          handle: c.handle,
          host: c.host,
          why,
        });
        break;
      case 'finished': {
        const o = c.outcome;
        log.event(c.status === 'completed' || c.status === 'cancelled' ? 'info' : 'warn', 'task:state', {
          task: c.task,
          attempt: c.attempt,
          status: c.status,
          reason: o.reason,
          exit_code: o.exitCode,
          signal: o.signal ?? undefined,
          host: o.host ?? undefined,
          ms: o.startedAt !== null && o.endedAt !== null ? o.endedAt - o.startedAt : undefined,
          detail: o.detail ?? undefined,
          category: c.category,
          why,
        });
        break;
      }
      case 'reset':
        log.event('info', 'task:state', { task: c.task, status: 'pending', why });
        break;
    }
  }
}

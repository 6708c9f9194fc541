import type { SourceEvent } from '../engine/ports.js';

// The events a source has seen and the engine has not taken yet: `poll` returns them at
// once when there are some, else waits until one comes (then a few ms more, so that events of
// one status round go out together) or until `waitMs` has passed. An event after which the source
// has nothing in flight has nothing to wait for (the last task of a run): it goes out at once.

const COALESCE_MS = 10;

export class SourceEventQueue {
  private events: SourceEvent[] = [];
  private wake: ((settled: boolean) => void) | null = null;

  get length(): number {
    return this.events.length;
  }

  /** `settled`: the source has nothing in flight after this event, no more will come soon. */
  push(event: SourceEvent, settled = false): void {
    this.events.push(event);
    this.wake?.(settled);
  }

  poll(waitMs: number): Promise<SourceEvent[]> {
    if (this.events.length > 0 || waitMs <= 0) return Promise.resolve(this.drain());
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve(this.drain());
      }, waitMs);
      this.wake = (settled) => {
        clearTimeout(timer);
        this.wake = null;
        if (settled) resolve(this.drain());
        else setTimeout(() => resolve(this.drain()), COALESCE_MS);
      };
    });
  }

  private drain(): SourceEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }
}

import type { SourceEvent } from '../engine/ports.js';

// The events a source has seen and the engine has not taken yet: `poll` returns them at
// once when there are some, else waits until one comes (then a few ms more, so that events of
// one status round go out together) or until `waitMs` has passed.

const COALESCE_MS = 10;

export class SourceEventQueue {
  private events: SourceEvent[] = [];
  private wake: (() => void) | null = null;

  get length(): number {
    return this.events.length;
  }

  push(event: SourceEvent): void {
    this.events.push(event);
    this.wake?.();
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

  private drain(): SourceEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }
}

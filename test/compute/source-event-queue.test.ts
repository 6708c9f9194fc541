import { afterEach, describe, expect, it, vi } from 'vitest';
import { SourceEventQueue } from '../../src/compute/source-event-queue.js';
import type { SourceEvent } from '../../src/engine/ports.js';

// A round's events go out together (a few ms after the first), except after the last event a
// source expects: then nothing more is coming, and the run learns it at once (the end of a run).
const event = (task: string): SourceEvent => ({ kind: 'finished', task, attempt: 1, exitStatus: 0, at: 0 });

describe('SourceEventQueue', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits a little after an event for the others of its round', async () => {
    vi.useFakeTimers();
    const queue = new SourceEventQueue();
    let got: SourceEvent[] | null = null;
    void queue.poll(1000).then((e) => (got = e));
    queue.push(event('a'));
    await vi.advanceTimersByTimeAsync(1);
    queue.push(event('b'));
    expect(got).toBeNull();
    await vi.advanceTimersByTimeAsync(10);
    expect(got!.map((e) => e.task)).toEqual(['a', 'b']);
  });

  it('returns at once after an event that leaves the source nothing in flight', async () => {
    vi.useFakeTimers();
    const queue = new SourceEventQueue();
    let got: SourceEvent[] | null = null;
    void queue.poll(1000).then((e) => (got = e));
    queue.push(event('last'), true);
    await vi.advanceTimersByTimeAsync(0);
    expect(got!.map((e) => e.task)).toEqual(['last']);
  });

  it('returns what waits without waiting, and nothing once waitMs has passed', async () => {
    vi.useFakeTimers();
    const queue = new SourceEventQueue();
    queue.push(event('a'));
    expect((await queue.poll(1000)).map((e) => e.task)).toEqual(['a']);
    const none = queue.poll(50);
    await vi.advanceTimersByTimeAsync(50);
    expect(await none).toEqual([]);
  });
});

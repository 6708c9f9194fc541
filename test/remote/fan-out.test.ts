import { describe, expect, it } from 'vitest';
import { runOnNodes } from '../../src/remote/fan-out.js';
import type { NodeResult, NodeTarget, RunOptions, Transport } from '../../src/remote/types.js';

// The fan-out contract, with an in-process transport that answers when told to: the limit holds,
// every node gets a result in the given order, one node's crash is that node's error only.
class GatedTransport implements Transport {
  readonly kind = 'ssh' as const;
  inFlight = 0;
  maxInFlight = 0;
  private readonly waiting: (() => void)[] = [];

  run(node: NodeTarget, command: string, _options: RunOptions): Promise<NodeResult> {
    if (node.name === 'broken') return Promise.reject(new Error('transport bug'));
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.inFlight--;
        resolve({
          node: node.name,
          exitCode: 0,
          stdout: `${node.name}:${command}\n`,
          stderr: '',
          timedOut: false,
          error: null,
          durationMs: 1,
        });
      }),
    );
  }

  releaseOne(): boolean {
    const next = this.waiting.pop(); // newest first: results still come back in node order
    next?.();
    return next !== undefined;
  }

  async close(): Promise<void> {}
}

const nodes = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `n${i + 1}`, target: `n${i + 1}` }));

describe('runOnNodes', () => {
  it('never has more than `fanout` commands in flight and returns results in node order', async () => {
    const t = new GatedTransport();
    const done = runOnNodes(t, nodes(10), 'uptime', { fanout: 3, timeoutMs: 1000 });
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      await new Promise((r) => setImmediate(r));
      t.releaseOne();
    }
    const results = await done;
    expect(t.maxInFlight).toBe(3);
    expect(results.map((r) => r.stdout)).toEqual(nodes(10).map((n) => `${n.name}:uptime\n`));
  });

  it("turns a transport's exception into that node's error and keeps the others", async () => {
    const t = new GatedTransport();
    const done = runOnNodes(t, [...nodes(2), { name: 'broken', target: 'broken' }], 'true', {
      timeoutMs: 1000,
    });
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      t.releaseOne();
    }
    const results = await done;
    expect(results.map((r) => [r.node, r.exitCode, r.error])).toEqual([
      ['n1', 0, null],
      ['n2', 0, null],
      ['broken', null, 'transport bug'],
    ]);
  });

  it('starts no new node after an abort', async () => {
    const t = new GatedTransport();
    const ac = new AbortController();
    const done = runOnNodes(t, nodes(4), 'true', { fanout: 1, timeoutMs: 1000, signal: ac.signal });
    await new Promise((r) => setImmediate(r));
    ac.abort();
    t.releaseOne();
    const results = await done;
    expect(results[0]!.exitCode).toBe(0);
    expect(results.slice(1).map((r) => r.error)).toEqual(['interrupted', 'interrupted', 'interrupted']);
  });
});

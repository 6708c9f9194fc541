import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { loadHistory, appendHistory, resolveHistoryPath } from '../../src/remote/interactive-history.js';
import { runInteractive, runNodeTest } from '../../src/remote/interactive.js';
import { createShellTransport } from '../../src/remote/shell/index.js';
import type { NodeTarget } from '../../src/remote/types.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const NODES: NodeTarget[] = ['n1', 'n2', 'n3'].map((name) => ({ name, target: name }));

function collector() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

// Local bash sessions, one per node, that know their node name; n3 answers differently.
function localTransport() {
  return createShellTransport({ shellCommand: 'env HSM_NODE={node} bash --norc -i', sessionRateLimit: 50 });
}

describe('interactive mode', () => {
  test('runs each line on every node over kept sessions and prints grouped results like clush -b', async () => {
    const home = makeTempDir('hsm-home-');
    const historyPath = resolveHistoryPath({ HSM_HOME: home });
    const transport = localTransport();
    const input = new PassThrough();
    const out = collector();
    input.end(
      [
        'help',
        'nodes',
        'echo same',
        'if [ "$HSM_NODE" = n3 ]; then echo odd; exit 4; fi; echo even',
        'echo $$',
        'echo $$',
        'test',
        'exit',
        'echo never-run',
      ].join('\n') + '\n',
    );
    const code = await runInteractive({
      nodes: NODES,
      transport,
      timeoutMs: 10_000,
      input,
      output: out.stream,
      historyPath,
    });
    await transport.close();
    const text = out.text();
    expect(code).toBe(0);
    expect(text).toContain('connected to 3/3 nodes');
    expect(text).toContain('test          check every node');
    expect(text).toContain('n[1-3] (3)\n  n1\n  n2\n  n3\n');
    expect(text).toContain('n[1-3] (3)\n---------------\nsame\n');
    expect(text).toContain('n[1-2] (2)\n---------------\neven\n');
    expect(text).toMatch(/n3 \(1\)\n-+\nodd\n/);
    expect(text).toContain('n3: exited with exit code 4\n');
    // The same shell answers `echo $$` twice on each node: sessions are kept between commands.
    const pids = [...text.matchAll(/^n\d \(1\)\n-+\n(\d+)\n/gm)].map((m) => m[1]);
    expect(pids).toHaveLength(6);
    expect(pids.slice(3)).toEqual(pids.slice(0, 3));
    expect(text).toMatch(/3\/3 nodes ok/);
    expect(text).not.toContain('never-run');
    // History kept across runs, newest first for readline; built-ins included, `exit` not.
    expect(loadHistory(historyPath)[0]).toBe('test');
    expect(readFileSync(historyPath, 'utf8').split('\n')[0]).toBe('help');
  });

  test('history is bounded', () => {
    const path = join(makeTempDir('hsm-home-'), 'exec_history');
    writeFileSync(path, '');
    for (let i = 0; i < 25; i++) appendHistory(path, `cmd ${i}`, 10);
    expect(readFileSync(path, 'utf8').trim().split('\n').length).toBeLessThanOrEqual(20);
    expect(loadHistory(path, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `cmd ${24 - i}`));
  });

  test('--test-node reports one node with timings, and a dead node as FAILED with exit code 1', async () => {
    const good = localTransport();
    const out = collector();
    expect(await runNodeTest(good, NODES[0]!, { timeoutMs: 10_000, output: out.stream })).toBe(0);
    await good.close();
    expect(out.text()).toMatch(
      /^node\s+status\s+connect_ms\s+command_ms\nn1\s+ok\s+\d+\s+\d+\n1\/1 nodes ok\n$/,
    );
    const bad = createShellTransport({ shellCommand: 'sh -c "echo no route to {node}; exit 255"' });
    const badOut = collector();
    const dbg = collector();
    expect(
      await runNodeTest(bad, NODES[1]!, {
        timeoutMs: 5_000,
        output: badOut.stream,
        debug: true,
        errorOutput: dbg.stream,
      }),
    ).toBe(1);
    await bad.close();
    expect(badOut.text()).toMatch(/n2\s+FAILED.*no route to n2/);
    expect(dbg.text()).toMatch(/\[debug\] n2 > ".*stty -echo/);
  });
});

import type { NodeTestResult } from './interactive-output.js';
import type { NodeResult, NodeTarget, RunOptions, Transport } from './types.js';

/** A transport that can open a node's session ahead of the first command (the shell transport). */
export type OpeningTransport = Transport & {
  open?(
    node: NodeTarget,
    options?: { signal?: AbortSignal; onData?: RunOptions['onData'] },
  ): Promise<NodeResult>;
};

// Tests one node: opens its session (timed), then one `echo` round trip (timed) whose output must
// come back exactly — connectivity, a working shell and clean framing in one check.
export async function testNodeConnectivity(
  transport: OpeningTransport,
  node: NodeTarget,
  options: { timeoutMs: number; signal?: AbortSignal; onData?: RunOptions['onData'] },
): Promise<NodeTestResult> {
  let connectMs = 0;
  if (transport.open) {
    const opened = await transport.open(node, { signal: options.signal, onData: options.onData });
    connectMs = opened.durationMs;
    if (opened.error) return { node: node.name, ok: false, connectMs, commandMs: 0, error: opened.error };
  }
  const started = Date.now();
  const r = await transport.run(node, 'echo hsm-test-ok', options);
  const commandMs = Date.now() - started;
  const ok = r.exitCode === 0 && r.stdout === 'hsm-test-ok\n';
  const error = ok
    ? null
    : (r.error ??
      (r.timedOut
        ? `timed out after ${options.timeoutMs} ms`
        : `unexpected answer: ${JSON.stringify(r.stdout.slice(0, 200))} (exit code ${r.exitCode})`));
  return { node: node.name, ok, connectMs: transport.open ? connectMs : commandMs, commandMs, error };
}

// Tests every node at once (each node's own session opens in parallel, rate limited by the transport).
export function testAllNodes(
  transport: OpeningTransport,
  nodes: readonly NodeTarget[],
  options: {
    timeoutMs: number;
    signal?: AbortSignal;
    onData?: (node: string, ...rest: Parameters<NonNullable<RunOptions['onData']>>) => void;
  },
): Promise<NodeTestResult[]> {
  return Promise.all(
    nodes.map((node) =>
      testNodeConnectivity(transport, node, {
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        onData: options.onData && ((stream, chunk) => options.onData!(node.name, stream, chunk)),
      }),
    ),
  );
}

import { nodeErrorResult, type NodeResult, type NodeTarget, type Transport } from './types.js';

// Runs one command on many nodes through a transport, at most `fanout` at a time (clush -f).
// Every node gets a result, in the order the nodes were given, whatever happens to the others; a
// transport that throws (a bug or a bad argument) becomes that node's error, not everyone's.

export interface FanOutOptions {
  /** Commands in flight at once (default 32). */
  fanout?: number;
  /** Per-node command timeout. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Raw bytes per node as they arrive (--debug, --stream). */
  onData?: (node: string, stream: 'stdout' | 'stderr' | 'raw-in' | 'raw-out', chunk: string) => void;
  /** Per node: something the user should know while its command runs. */
  onNotice?: (node: string, text: string) => void;
  /** Called as each node finishes (--stream, progress). */
  onResult?: (result: NodeResult) => void;
}

export const DEFAULT_FANOUT = 32;

// Runs `command` on every node; resolves when all have finished (or were interrupted).
export async function runOnNodes(
  transport: Transport,
  nodes: readonly NodeTarget[],
  command: string,
  options: FanOutOptions,
): Promise<NodeResult[]> {
  const results: NodeResult[] = new Array(nodes.length);
  const limit = Math.max(1, options.fanout ?? DEFAULT_FANOUT);
  let next = 0;
  const worker = async () => {
    while (next < nodes.length) {
      const i = next++;
      const node = nodes[i]!;
      results[i] = options.signal?.aborted
        ? nodeErrorResult(node, 'interrupted')
        : await runOne(transport, node, command, options);
      options.onResult?.(results[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, nodes.length) }, worker));
  return results;
}

async function runOne(
  transport: Transport,
  node: NodeTarget,
  command: string,
  options: FanOutOptions,
): Promise<NodeResult> {
  const started = Date.now();
  try {
    return await transport.run(node, command, {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      onData: options.onData && ((stream, chunk) => options.onData!(node.name, stream, chunk)),
      onNotice: options.onNotice && ((text) => options.onNotice!(node.name, text)),
    });
  } catch (err) {
    return nodeErrorResult(node, err instanceof Error ? err.message : String(err), Date.now() - started);
  }
}

import { createInterface } from 'node:readline';
import { runOnNodes } from './fan-out.js';
import {
  appendHistory,
  DEFAULT_HISTORY_LIMIT,
  loadHistory,
  resolveHistoryPath,
} from './interactive-history.js';
import { testAllNodes, testNodeConnectivity, type OpeningTransport } from './interactive-node-test.js';
import { renderGroupedResults, renderNodeTests } from './interactive-output.js';
import { foldNodeSet } from './nodeset/index.js';
import { outputWriter } from './output/terminal-safe.js';
import type { NodeTarget } from './types.js';
import { plural } from '../domain/plural.js';

// `hsm exec` with no command: a prompt that runs each line on every node, one session per node
// kept open between commands (the transport keeps them), results grouped like `clush -b`.
// Built-ins: help, nodes, test, exit (or Ctrl-D). Ctrl-C interrupts the running command; at an
// idle prompt it clears the line. History is kept across runs (see interactive-history.ts).

export interface InteractiveOptions {
  nodes: readonly NodeTarget[];
  transport: OpeningTransport;
  /** Per-command timeout on each node. */
  timeoutMs: number;
  fanout?: number;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Where --debug bytes and notices go (default stderr). */
  errorOutput?: NodeJS.WritableStream;
  historyPath?: string;
  historyLimit?: number;
  /** Print the raw bytes exchanged with each node (to errorOutput). */
  debug?: boolean;
  /** Force readline's terminal mode (default: input is a TTY). */
  terminal?: boolean;
}

const HELP = `Commands:
  help          this text
  nodes         the nodes commands run on
  test          check every node: open its session and time one round trip
  exit, quit    leave (Ctrl-D too)
Anything else runs on every node; identical outputs are printed once under their nodes.
Each line runs in a fresh subshell: cd, export and variables do not carry over to the next
line (write \`cd /data && ls\`, or put them in one line).
Ctrl-C interrupts a running command.
`;

// Runs the interactive prompt until exit / Ctrl-D; resolves with the exit code (0).
export async function runInteractive(options: InteractiveOptions): Promise<number> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const errorOutput = options.errorOutput ?? process.stderr;
  const historyPath = options.historyPath ?? resolveHistoryPath();
  const historyLimit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  const terminal = options.terminal ?? Boolean((input as { isTTY?: boolean }).isTTY);
  const nodeSet = foldNodeSet(options.nodes.map((n) => n.name));
  const onData = options.debug ? debugPrinter(errorOutput) : undefined;
  // node output: control characters escaped on a terminal, bytes kept elsewhere
  const writeNodeText = outputWriter(output, Boolean((output as { isTTY?: boolean }).isTTY));
  const rl = createInterface({
    input,
    output,
    terminal,
    prompt: `hsm ${nodeSet}> `,
    history: loadHistory(historyPath, historyLimit),
    historySize: historyLimit,
    removeHistoryDuplicates: true,
  });
  // Start buffering lines now: piped input may arrive (and end) while sessions are opening.
  const lines = rl[Symbol.asyncIterator]();
  let running: AbortController | null = null;
  rl.on('SIGINT', () => {
    if (running) running.abort();
    else {
      output.write('^C (exit or Ctrl-D to leave)\n');
      rl.write(null, { ctrl: true, name: 'u' });
      rl.prompt();
    }
  });
  output.write(`${plural(options.nodes.length, 'node')}: ${nodeSet}. Type help for commands.\n`);
  if (options.transport.open) {
    running = new AbortController();
    const tests = await Promise.all(
      options.nodes.map((n) =>
        options.transport.open!(n, {
          signal: running!.signal,
          onData: onData && ((s, c) => onData(n.name, s, c)),
        }),
      ),
    );
    running = null;
    const failed = tests.filter((t) => t.error);
    output.write(`connected to ${tests.length - failed.length}/${plural(tests.length, 'node')}\n`);
    for (const f of failed) output.write(`${f.node}: ${f.error}\n`);
  }
  rl.prompt();
  try {
    for await (const raw of { [Symbol.asyncIterator]: () => lines }) {
      const line = raw.trim();
      if (line === 'exit' || line === 'quit') break;
      if (line !== '') appendHistory(historyPath, line, historyLimit);
      running = new AbortController();
      try {
        if (line === '') {
          /* nothing */
        } else if (line === 'help') output.write(HELP);
        else if (line === 'nodes')
          output.write(
            `${nodeSet} (${options.nodes.length})\n${options.nodes.map(describeNode).join('\n')}\n`,
          );
        else if (line === 'test') {
          output.write(
            renderNodeTests(
              await testAllNodes(options.transport, options.nodes, {
                timeoutMs: options.timeoutMs,
                signal: running.signal,
                onData,
              }),
            ),
          );
        } else {
          const results = await runOnNodes(options.transport, options.nodes, line, {
            fanout: options.fanout,
            timeoutMs: options.timeoutMs,
            signal: running.signal,
            onData,
          });
          writeNodeText(renderGroupedResults(results));
        }
      } finally {
        running = null;
      }
      rl.prompt();
    }
  } finally {
    rl.close();
  }
  return 0;
}

// `--test-node ID`: tests one node, prints the result, resolves with 0 (ok) or 1 (failed).
export async function runNodeTest(
  transport: OpeningTransport,
  node: NodeTarget,
  options: {
    timeoutMs: number;
    output?: NodeJS.WritableStream;
    debug?: boolean;
    errorOutput?: NodeJS.WritableStream;
  },
): Promise<number> {
  const onData = options.debug ? debugPrinter(options.errorOutput ?? process.stderr) : undefined;
  const result = await testNodeConnectivity(transport, node, {
    timeoutMs: options.timeoutMs,
    onData: onData && ((s, c) => onData(node.name, s, c)),
  });
  (options.output ?? process.stdout).write(renderNodeTests([result]));
  return result.ok ? 0 : 1;
}

function describeNode(node: NodeTarget): string {
  return node.target === node.name ? `  ${node.name}` : `  ${node.name}  ${node.target}`;
}

// --debug: every raw chunk, escaped so control bytes are visible (`node <` received, `node >` sent).
function debugPrinter(stream: NodeJS.WritableStream) {
  return (node: string, direction: 'stdout' | 'stderr' | 'raw-in' | 'raw-out', chunk: string) => {
    if (direction === 'raw-in' || direction === 'raw-out') {
      stream.write(`[debug] ${node} ${direction === 'raw-in' ? '<' : '>'} ${JSON.stringify(chunk)}\n`);
    }
  };
}

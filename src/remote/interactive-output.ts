import { foldNodeSet } from './nodeset/index.js';
import type { NodeResult } from './types.js';

// Results of one command on many nodes, grouped like `clush -b`: identical outputs printed once
// under the folded set of nodes that produced them, then one line per node that failed.

// Renders grouped results as text (ends with a newline when non-empty).
export function renderGroupedResults(results: readonly NodeResult[]): string {
  const groups = new Map<string, string[]>();
  for (const r of results) {
    if (r.error && !r.timedOut && r.stdout === '') continue;
    const key = r.stdout + r.stderr;
    groups.set(key, [...(groups.get(key) ?? []), r.node]);
  }
  let text = '';
  for (const [output, nodes] of groups) {
    const title = `${foldNodeSet(nodes)} (${nodes.length})`;
    const rule = '-'.repeat(Math.min(Math.max(title.length, 15), 80));
    text += `${rule}\n${title}\n${rule}\n${output}${output === '' || output.endsWith('\n') ? '' : '\n'}`;
  }
  for (const r of results) {
    if (r.timedOut) text += `${r.node}: timed out after ${r.durationMs} ms\n`;
    else if (r.error) text += `${r.node}: ${r.error}\n`;
    else if (r.exitCode !== 0) text += `${r.node}: exited with exit code ${r.exitCode}\n`;
  }
  return text;
}

export interface NodeTestResult {
  node: string;
  ok: boolean;
  /** Time to open the node's session (0 for transports that have none). */
  connectMs: number;
  /** Time of one `echo` round trip once connected. */
  commandMs: number;
  error: string | null;
}

// A table of connectivity tests: node, status, connect and command times.
export function renderNodeTests(tests: readonly NodeTestResult[]): string {
  const width = Math.max(4, ...tests.map((t) => t.node.length));
  const lines = [`${'node'.padEnd(width)}  status  connect_ms  command_ms`];
  for (const t of tests) {
    lines.push(
      `${t.node.padEnd(width)}  ${(t.ok ? 'ok' : 'FAILED').padEnd(6)}  ${String(t.connectMs).padStart(10)}  ${String(
        t.ok ? t.commandMs : '-',
      ).padStart(10)}${t.error ? `  ${t.error}` : ''}`,
    );
  }
  const ok = tests.filter((t) => t.ok).length;
  lines.push(`${ok}/${tests.length} nodes ok`);
  return lines.join('\n') + '\n';
}

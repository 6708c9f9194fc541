import { foldNodeSet } from '../nodeset/index.js';
import type { NodeResult } from '../types.js';

// `clush -b`: nodes whose stdout is identical are printed once, under the folded node set that
// produced it (`node[01-13,16]`). Nodes without any stdout (unreachable, silent) form no group:
// the problems list and the summary speak for them.

export interface OutputGroup {
  /** Folded node set. */
  nodes: string;
  count: number;
  stdout: string;
}

// Groups results by identical stdout; groups in order of their first node.
export function groupIdenticalOutputs(results: readonly NodeResult[]): OutputGroup[] {
  const groups = new Map<string, string[]>();
  for (const r of results) {
    if (r.stdout === '') continue;
    const members = groups.get(r.stdout);
    if (members) members.push(r.node);
    else groups.set(r.stdout, [r.node]);
  }
  return [...groups].map(([stdout, nodes]) => ({ nodes: foldNodeSet(nodes), count: nodes.length, stdout }));
}

// Renders groups as clush -b does: a rule, the node set, a rule, the output. An output without a
// final newline gets one to end its block, and its title says so: outputs differing only by that
// newline must not look identical.
export function renderOutputGroups(groups: readonly OutputGroup[]): string {
  let text = '';
  for (const g of groups) {
    const title = `${g.nodes} (${g.count}${g.stdout.endsWith('\n') ? '' : ', no newline at end'})`;
    const rule = '-'.repeat(Math.min(Math.max(title.length, 15), 80));
    text += `${rule}\n${title}\n${rule}\n${g.stdout}${g.stdout.endsWith('\n') ? '' : '\n'}`;
  }
  return text;
}

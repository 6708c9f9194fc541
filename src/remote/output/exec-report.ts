import { foldNodeSet } from '../nodeset/index.js';
import type { NodeResult } from '../types.js';
import { plural } from '../../domain/plural.js';

// The outcome of `hsm exec` over all nodes, and its `--json` shape (docs/CLI.md): one item per
// node with snake_case fields, and a summary of ok / failed / timed out. A node is ok when its
// command exited 0; timed out when the command timeout hit; failed otherwise (non-zero exit, or
// the node could not be reached: `error` says which, and `unreachable` counts those).

export interface ExecSummary {
  ok: number;
  failed: number;
  timed_out: number;
  /** Of `failed`: nodes whose command never ran (connection refused, timeout, host key...). */
  unreachable: number;
}

export interface ExecJsonNode {
  node: string;
  exit_code: number | null;
  stdout: string;
  stderr: string;
  timed_out: boolean;
  error: string | null;
  duration_ms: number;
  /** Scripts only: each command run, in order (the node stopped at the first that failed). */
  steps?: (Omit<ExecJsonNode, 'node' | 'steps'> & { command: string })[];
}

export type NodeOutcome = 'ok' | 'failed' | 'timed_out';

// Classifies one node's result.
export function classifyNodeResult(r: NodeResult): NodeOutcome {
  if (r.timedOut) return 'timed_out';
  return r.exitCode === 0 && r.error === null ? 'ok' : 'failed';
}

// Counts outcomes.
export function summarizeResults(results: readonly NodeResult[]): ExecSummary {
  const s: ExecSummary = { ok: 0, failed: 0, timed_out: 0, unreachable: 0 };
  for (const r of results) {
    s[classifyNodeResult(r)]++;
    if (!r.timedOut && r.error !== null && r.exitCode === null) s.unreachable++;
  }
  return s;
}

// One `nodes[]` item of `hsm exec --json` (also one line of --stream).
export function toJsonNode(r: NodeResult): ExecJsonNode {
  const json: ExecJsonNode = {
    node: r.node,
    exit_code: r.exitCode,
    stdout: r.stdout,
    stderr: r.stderr,
    timed_out: r.timedOut,
    error: r.error,
    duration_ms: r.durationMs,
  };
  if (r.steps) {
    json.steps = r.steps.map((s) => {
      const { node: _node, steps: _steps, ...step } = toJsonNode({ node: r.node, ...s });
      return { command: s.command, ...step };
    });
  }
  return json;
}

// The whole `hsm exec --json` document.
export function buildExecJson(results: readonly NodeResult[]): {
  nodes: ExecJsonNode[];
  summary: ExecSummary;
} {
  return { nodes: results.map(toJsonNode), summary: summarizeResults(results) };
}

// The human summary line for stderr: `16 nodes: 13 ok, 2 failed (node[14,16]), 1 timed out (node15)`.
export function renderSummaryLine(results: readonly NodeResult[]): string {
  const by = (o: NodeOutcome) => results.filter((r) => classifyNodeResult(r) === o).map((r) => r.node);
  const failed = by('failed');
  const timedOut = by('timed_out');
  const parts = [`${by('ok').length} ok`];
  parts.push(`${failed.length} failed${failed.length ? ` (${foldNodeSet(failed)})` : ''}`);
  parts.push(`${timedOut.length} timed out${timedOut.length ? ` (${foldNodeSet(timedOut)})` : ''}`);
  return `${plural(results.length, 'node')}: ${parts.join(', ')}`;
}

// What to say about a node that did not end with exit 0 (null when it did); for a script, which
// command it stopped at.
export function describeProblem(r: NodeResult, timeoutMs: number): string | null {
  const problem = describeCommandProblem(r, timeoutMs);
  const stoppedAt = r.steps?.[r.steps.length - 1];
  return problem && stoppedAt
    ? `stopped at command ${r.steps!.length} (${stoppedAt.command}): ${problem}`
    : problem;
}

function describeCommandProblem(r: NodeResult, timeoutMs: number): string | null {
  if (r.timedOut) return `timed out after ${formatSeconds(timeoutMs)} (output so far kept)`;
  if (r.error) return r.error;
  if (r.exitCode !== 0) return `exit code ${r.exitCode}`;
  return null;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

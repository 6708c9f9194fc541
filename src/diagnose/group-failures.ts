import type { ParamValue } from '../domain/params.js';
import { CATEGORY_INFO, type FailureCategory } from './failure-category.js';
import { correlateGroup, type Correlation, type TaskTraits, type ValueCounts } from './correlate-values.js';
import type { Diagnosis } from './diagnose-failure.js';

// Failed tasks -> groups of the same cause (equal fingerprints), largest first, each with the
// parameter values and hosts its tasks share.

export interface FailedTask extends TaskTraits {
  name: string;
  diagnosis: Diagnosis;
}

export interface FailureGroup {
  category: FailureCategory;
  title: string;
  fingerprint: string;
  count: number;
  tasks: string[];
  hint: string;
  /** The evidence of the group's first task. */
  evidence: string;
  /** Each task's own evidence line, for the tasks whose line differs from `evidence`. */
  lines: Record<string, string>;
  /** Parameter values every task of the group has (and not every task of the sweep). */
  shared: Record<string, ParamValue>;
  /** The host every task of the group ran on (when not every task of the sweep did), else null. */
  host: string | null;
  /** Values and hosts shared by all or most of the group, with their shares. */
  correlations: Correlation[];
}

export function groupFailures(failed: Iterable<FailedTask>, sweep: ValueCounts): FailureGroup[] {
  const byKey = new Map<string, FailedTask[]>();
  for (const t of failed) {
    const list = byKey.get(t.diagnosis.fingerprint);
    if (list) list.push(t);
    else byKey.set(t.diagnosis.fingerprint, [t]);
  }
  const groups: FailureGroup[] = [];
  for (const [fingerprint, tasks] of byKey) {
    const first = tasks[0]!.diagnosis;
    const correlations = correlateGroup(tasks, sweep);
    const lines: Record<string, string> = {};
    for (const t of tasks) if (t.diagnosis.evidence !== first.evidence) lines[t.name] = t.diagnosis.evidence;
    const shared: Record<string, ParamValue> = {};
    let host: string | null = null;
    for (const c of correlations) {
      if (c.share < 1) continue;
      if (c.kind === 'param') shared[c.name] = c.value;
      else host = String(c.value);
    }
    groups.push({
      category: first.category,
      title: CATEGORY_INFO[first.category].title,
      fingerprint,
      count: tasks.length,
      tasks: tasks.map((t) => t.name),
      hint: first.hint,
      evidence: first.evidence,
      lines,
      shared,
      host,
      correlations,
    });
  }
  return groups.sort((a, b) => b.count - a.count || a.fingerprint.localeCompare(b.fingerprint));
}

/**
 * What a group's tasks share, in words: "all with batch_size=512, on host lab2; 80% (4 of 5) with
 * lr=0.1". `hsm errors` and the error report both say it so.
 */
export function describeShared(g: Pick<FailureGroup, 'correlations' | 'count'>): string {
  const value = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const what = (c: Correlation) =>
    c.kind === 'host' ? `on host ${value(c.value)}` : `with ${c.name}=${value(c.value)}`;
  // Parameters before hosts, as the correlations list them.
  const all = [
    ...g.correlations.filter((c) => c.share === 1 && c.kind === 'param'),
    ...g.correlations.filter((c) => c.share === 1 && c.kind === 'host'),
  ].map(what);
  const parts = all.length > 0 ? [`all ${all.join(', ')}`] : [];
  for (const c of g.correlations.filter((x) => x.share < 1))
    parts.push(`${Math.round(c.share * 100)}% (${c.count} of ${g.count}) ${what(c)}`);
  return parts.join('; ');
}

import type { ParamValue, Params } from '../domain/params.js';

// Which parameter values and hosts a group of tasks has in common: shared by all of them, or by most
// (MOST_SHARE or more, with the share stated). A value as common in the whole sweep as in the group
// explains nothing (a constant parameter, the only host) and is left out.

export const MOST_SHARE = 0.8;

export interface TaskTraits {
  params: Params;
  host: string | null;
}

/** How often each parameter value and host occurs across a set of tasks (the sweep). */
export interface ValueCounts {
  total: number;
  params: Map<string, Map<string, number>>;
  hosts: Map<string, number>;
  /** Tasks that ran somewhere (have a host). */
  withHost: number;
}

export interface Correlation {
  kind: 'param' | 'host';
  /** The parameter's name, or `host`. */
  name: string;
  value: ParamValue;
  /** Tasks of the group with this value. */
  count: number;
  /** count / tasks in the group. */
  share: number;
  /** The value's share among all tasks of the sweep (that ran, for hosts). */
  sweep_share: number;
}

const keyOf = (v: ParamValue): string => JSON.stringify(v);

export function countValues(tasks: Iterable<TaskTraits>): ValueCounts {
  const counts: ValueCounts = { total: 0, params: new Map(), hosts: new Map(), withHost: 0 };
  for (const t of tasks) addTraits(counts, t);
  return counts;
}

export function addTraits(counts: ValueCounts, t: TaskTraits): void {
  counts.total++;
  for (const [name, value] of Object.entries(t.params)) {
    let m = counts.params.get(name);
    if (!m) counts.params.set(name, (m = new Map()));
    const k = keyOf(value);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  if (t.host !== null) {
    counts.withHost++;
    counts.hosts.set(t.host, (counts.hosts.get(t.host) ?? 0) + 1);
  }
}

// The values and hosts shared by all or most of `group`, most shared first.
export function correlateGroup(group: readonly TaskTraits[], sweep: ValueCounts): Correlation[] {
  if (group.length < 2) return [];
  const mine = countValues(group);
  const out: Correlation[] = [];
  for (const [name, values] of mine.params) {
    for (const [k, count] of values) {
      const share = count / group.length;
      const sweepShare = (sweep.params.get(name)?.get(k) ?? 0) / Math.max(1, sweep.total);
      if (share >= MOST_SHARE && share > sweepShare) {
        out.push({
          kind: 'param',
          name,
          value: JSON.parse(k) as ParamValue,
          count,
          share,
          sweep_share: sweepShare,
        });
      }
    }
  }
  for (const [host, count] of mine.hosts) {
    const share = count / group.length;
    const sweepShare = (sweep.hosts.get(host) ?? 0) / Math.max(1, sweep.withHost);
    if (share >= MOST_SHARE && share > sweepShare) {
      out.push({ kind: 'host', name: 'host', value: host, count, share, sweep_share: sweepShare });
    }
  }
  return out.sort((a, b) => b.share - a.share || a.sweep_share - b.sweep_share);
}

import type { Params } from '../domain/params.js';
import type { TaskStatus } from '../domain/task.js';

// The numbers behind the charts, computed from what `hsm status --json` and `hsm results --json` give
// (the row types of api/ satisfy these shapes). Pure: no Chart.js here, so they are tested as data.

/** A task as the timeline and the duration histogram need it (a status row). */
export interface ChartTask {
  name: string;
  status: TaskStatus;
  source: string | null;
  /** Epoch milliseconds. */
  started_at_ms: number | null;
  ended_at_ms: number | null;
}

/** A task's params and metrics (a results row). */
export interface ChartResult {
  name: string;
  status: TaskStatus;
  params: Params;
  metrics: Record<string, unknown> | null;
}

export interface StepPoint {
  /** Seconds since the sweep's first start. */
  x: number;
  y: number;
}

/** At most this many points per source's line: a sweep of 100,000 tasks still draws at once. */
export const MAX_TIMELINE_POINTS = 600;

/**
 * Tasks running on each source over time (a step line per source): +1 at each start, -1 at each end
 * (a task still running ends at `nowMs`). Past MAX_TIMELINE_POINTS changes, the line is the highest
 * count within each of that many equal time slices, so short peaks stay visible.
 */
export function runningPerSource(
  tasks: Iterable<ChartTask>,
  nowMs: number,
): { t0Ms: number | null; sources: Record<string, StepPoint[]> } {
  const events = new Map<string, Array<[number, number]>>();
  let t0 = Infinity;
  for (const t of tasks) {
    if (t.started_at_ms === null) continue;
    const end = t.ended_at_ms ?? (t.status === 'running' ? nowMs : null);
    if (end === null) continue;
    const src = t.source ?? 'unknown';
    let list = events.get(src);
    if (!list) events.set(src, (list = []));
    list.push([t.started_at_ms, 1], [Math.max(end, t.started_at_ms), -1]);
    t0 = Math.min(t0, t.started_at_ms);
  }
  if (t0 === Infinity) return { t0Ms: null, sources: {} };
  const sources: Record<string, StepPoint[]> = {};
  for (const [src, list] of [...events].sort(([a], [b]) => a.localeCompare(b))) {
    list.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // an end before a start at the same instant
    const exact: StepPoint[] = [{ x: 0, y: 0 }];
    let running = 0;
    for (let i = 0; i < list.length; i++) {
      running += list[i]![1];
      if (i + 1 < list.length && list[i + 1]![0] === list[i]![0]) continue; // one point per instant
      exact.push({ x: (list[i]![0] - t0) / 1000, y: running });
    }
    sources[src] = exact.length <= MAX_TIMELINE_POINTS ? exact : slicePeaks(exact, MAX_TIMELINE_POINTS);
  }
  return { t0Ms: t0, sources };
}

function slicePeaks(points: StepPoint[], slices: number): StepPoint[] {
  const end = points[points.length - 1]!.x;
  const width = end / slices || 1;
  const out: StepPoint[] = [];
  let carried = 0; // the count at the start of a slice: the last value of the slice before
  let i = 0;
  for (let s = 0; s < slices; s++) {
    const sliceEnd = s === slices - 1 ? Infinity : (s + 1) * width;
    let peak = carried;
    while (i < points.length && points[i]!.x < sliceEnd) {
      peak = Math.max(peak, points[i]!.y);
      carried = points[i]!.y;
      i++;
    }
    out.push({ x: s * width, y: peak });
  }
  out.push({ x: end, y: points[points.length - 1]!.y });
  return out;
}

export interface Histogram {
  /** Bin edges in seconds: bins.length + 1 of them. */
  edges: number[];
  /** Counts per bin for each series (completed, failed, ...). */
  series: Record<string, number[]>;
  /** The last bin also holds every longer duration (a few outliers would squeeze the rest into one bin). */
  open_ended: boolean;
}

/**
 * Durations (seconds) of finished tasks binned by status, between the shortest and the longest; when
 * the longest is more than 4 times the 99th percentile, up to that percentile, the last bin open-ended.
 */
export function durationHistogram(tasks: Iterable<ChartTask>, maxBins = 30): Histogram {
  const byStatus = new Map<string, number[]>();
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of tasks) {
    if (t.started_at_ms === null || t.ended_at_ms === null) continue;
    const d = Math.max(0, (t.ended_at_ms - t.started_at_ms) / 1000);
    const series = t.status === 'completed' ? 'completed' : t.status === 'failed' ? 'failed' : 'other';
    let list = byStatus.get(series);
    if (!list) byStatus.set(series, (list = []));
    list.push(d);
    lo = Math.min(lo, d);
    hi = Math.max(hi, d);
  }
  if (lo === Infinity) return { edges: [], series: {}, open_ended: false };
  const n = [...byStatus.values()].reduce((a, l) => a + l.length, 0);
  let openEnded = false;
  if (n >= 100) {
    const sorted = [...byStatus.values()].flat().sort((a, b) => a - b);
    const p99 = sorted[Math.ceil(0.99 * n) - 1]!;
    if (hi - lo > 4 * (p99 - lo) && p99 > lo) {
      hi = p99;
      openEnded = true;
    }
  }
  const bins = Math.max(1, Math.min(maxBins, Math.ceil(Math.sqrt(n))));
  const width = (hi - lo) / bins || 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const series: Record<string, number[]> = {};
  for (const name of ['completed', 'failed', 'other']) {
    const list = byStatus.get(name);
    if (!list) continue;
    const counts = new Array<number>(bins).fill(0);
    for (const d of list) counts[Math.min(bins - 1, Math.floor((d - lo) / width))]!++;
    series[name] = counts;
  }
  return { edges, series, open_ended: openEnded };
}

/** A parameter's values are plotted on a number axis when every one is a number. */
export function isNumericParam(results: readonly ChartResult[], key: string): boolean {
  return results.every((r) => typeof r.params[key] === 'number' || r.params[key] === undefined);
}

/** Parameters whose value differs between tasks (the ones worth plotting), in first-seen order. */
export function varyingParams(results: readonly ChartResult[]): string[] {
  const seen = new Map<string, Set<string>>();
  for (const r of results)
    for (const [k, v] of Object.entries(r.params)) {
      let s = seen.get(k);
      if (!s) seen.set(k, (s = new Set()));
      s.add(JSON.stringify(v));
    }
  return [...seen].filter(([, s]) => s.size > 1).map(([k]) => k);
}

/** Metric names whose values are numbers in at least one task, in first-seen order. */
export function numericMetrics(results: readonly ChartResult[]): string[] {
  const keys = new Set<string>();
  for (const r of results)
    for (const [k, v] of Object.entries(r.metrics ?? {})) if (typeof v === 'number') keys.add(k);
  return [...keys];
}

/** Seconds as people read them: `42s`, `3m 20s`, `2h 5m`. */
export function formatSeconds(s: number): string {
  if (s < 10) return `${Math.round(s * 10) / 10}s`;
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.floor(s % 60)}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

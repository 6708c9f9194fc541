import type { FailureGroup } from '../diagnose/index.js';
import {
  durationHistogram,
  formatSeconds,
  isNumericParam,
  numericMetrics,
  runningPerSource,
  varyingParams,
  type ChartResult,
  type ChartTask,
} from './chart-data.js';

// Sweep data -> Chart.js configurations: the one definition of every chart hsm draws, used by the
// HTML reports (`hsm report`) and the dashboard (`hsm serve`). Configurations are plain JSON (no
// functions), so they travel inside a page or over HTTP; the browser side is chart-page.ts.

/** A Chart.js configuration as JSON: `type`, `data` and `options` as Chart.js 4 documents them. */
export interface ChartConfig {
  type: 'line' | 'bar' | 'scatter';
  data: { labels?: string[]; datasets: Array<Record<string, unknown>> };
  options: Record<string, unknown>;
}

/** One chart of a page: the canvas id, its caption, its configuration. */
export interface ChartSpec {
  id: string;
  title: string;
  config: ChartConfig;
}

// Colour-blind-safe palette (Okabe-Ito), then greys.
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];
const STATUS_COLOURS: Record<string, string> = { completed: '#009E73', failed: '#D55E00', other: '#999999' };

export const colourAt = (i: number): string => PALETTE[i % PALETTE.length]!;

// Static pages need no animation, and a chart drawn at once can be checked and captured at once.
const BASE_OPTIONS = { animation: false, responsive: true, maintainAspectRatio: false };

const axisTitle = (text: string) => ({ display: true, text });

/** Tasks running on each source over time: the timeline of the sweep. */
export function timelineChart(tasks: Iterable<ChartTask>, nowMs: number): ChartSpec {
  const { sources } = runningPerSource(tasks, nowMs);
  return {
    id: 'chart-timeline',
    title: 'Tasks running per source',
    config: {
      type: 'line',
      data: {
        datasets: Object.entries(sources).map(([source, points], i) => ({
          label: source,
          data: points,
          stepped: true,
          borderColor: colourAt(i),
          backgroundColor: colourAt(i),
          pointRadius: 0,
          borderWidth: 2,
        })),
      },
      options: {
        ...BASE_OPTIONS,
        parsing: false,
        scales: {
          x: { type: 'linear', title: axisTitle('seconds since the first task started'), min: 0 },
          y: { beginAtZero: true, title: axisTitle('tasks running'), ticks: { precision: 0 } },
        },
      },
    },
  };
}

/** How long finished tasks took, completed and failed stacked. */
export function durationChart(tasks: Iterable<ChartTask>): ChartSpec {
  const { edges, series, open_ended } = durationHistogram(tasks);
  const labels = edges
    .slice(0, -1)
    .map((lo, i) =>
      open_ended && i === edges.length - 2
        ? `≥ ${formatSeconds(lo)}`
        : `${formatSeconds(lo)}–${formatSeconds(edges[i + 1]!)}`,
    );
  return {
    id: 'chart-durations',
    title: 'Task durations',
    config: {
      type: 'bar',
      data: {
        labels,
        datasets: Object.entries(series).map(([name, counts]) => ({
          label: name,
          data: counts,
          backgroundColor: STATUS_COLOURS[name] ?? '#999999',
        })),
      },
      options: {
        ...BASE_OPTIONS,
        scales: {
          x: { stacked: true, title: axisTitle('duration') },
          y: { stacked: true, beginAtZero: true, title: axisTitle('tasks'), ticks: { precision: 0 } },
        },
      },
    },
  };
}

/**
 * One scatter per (metric, varying parameter): each completed task that reported the metric is a
 * point. `metric` (the sweep file's `metric:`) comes first; at most `limit` charts.
 */
export function paramMetricCharts(
  results: readonly ChartResult[],
  metric: string | null = null,
  limit = 12,
): ChartSpec[] {
  const done = results.filter((r) => r.status === 'completed' && r.metrics !== null);
  const metrics = numericMetrics(done);
  const ordered =
    metric !== null && metrics.includes(metric) ? [metric, ...metrics.filter((m) => m !== metric)] : metrics;
  const params = varyingParams(done);
  const charts: ChartSpec[] = [];
  for (const m of ordered)
    for (const p of params) {
      if (charts.length >= limit) return charts;
      charts.push(scatter(done, p, m, charts.length));
    }
  return charts;
}

function scatter(results: readonly ChartResult[], param: string, metric: string, n: number): ChartSpec {
  const all = results.filter((r) => typeof r.metrics?.[metric] === 'number' && r.params[param] !== undefined);
  const points = evenSample(all, MAX_SCATTER_POINTS);
  const numeric = isNumericParam(points, param);
  const xs = points.map((r) => r.params[param]);
  const labels = numeric ? undefined : [...new Set(xs.map(categoryOf))].sort();
  const positive = numeric && xs.length > 0 && xs.every((v) => (v as number) > 0);
  const nums = xs as number[];
  const spread = positive ? nums.reduce((a, b) => Math.max(a, b)) / nums.reduce((a, b) => Math.min(a, b)) : 0;
  return {
    id: `chart-scatter-${n}`,
    title: `${metric} by ${param}${points.length < all.length ? ` (${points.length} of ${all.length} tasks, evenly spaced)` : ''}`,
    config: {
      type: 'scatter',
      data: {
        labels,
        datasets: [
          {
            label: metric,
            data: points.map((r) => ({
              x: numeric ? r.params[param] : categoryOf(r.params[param]),
              y: r.metrics![metric],
              task: r.name,
            })),
            backgroundColor: colourAt(n),
            pointRadius: 4,
          },
        ],
      },
      options: {
        ...BASE_OPTIONS,
        plugins: { legend: { display: false } },
        scales: {
          // A parameter spanning two orders of magnitude (a learning rate) reads on a log axis.
          x: {
            type: numeric ? (spread >= 100 ? 'logarithmic' : 'linear') : 'category',
            title: axisTitle(param),
          },
          y: { title: axisTitle(metric) },
        },
      },
    },
  };
}

/** Failure groups by size, one bar each, labelled with their cause and evidence. */
export function errorGroupsChart(groups: readonly FailureGroup[], limit = 20): ChartSpec {
  const shown = groups.slice(0, limit);
  const categories = [...new Set(shown.map((g) => g.category))];
  return {
    id: 'chart-error-groups',
    title: 'Failed tasks by cause',
    config: {
      type: 'bar',
      data: {
        labels: shown.map((g) => truncate(`${g.title}: ${g.evidence}`, 70)),
        datasets: [
          {
            label: 'tasks',
            data: shown.map((g) => g.count),
            backgroundColor: shown.map((g) => colourAt(categories.indexOf(g.category) + 3)),
          },
        ],
      },
      options: {
        ...BASE_OPTIONS,
        indexAxis: 'y',
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, title: axisTitle('tasks'), ticks: { precision: 0 } } },
      },
    },
  };
}

/** Points per scatter: more make the page heavy (100,000 tasks) and show nothing more. */
export const MAX_SCATTER_POINTS = 2000;

// Every k-th item, so that at most `max` are left, spread over the whole list.
function evenSample<T>(items: readonly T[], max: number): readonly T[] {
  if (items.length <= max) return items;
  const step = items.length / max;
  return Array.from({ length: max }, (_, i) => items[Math.floor(i * step)]!);
}

// A non-numeric parameter value as the label of its place on the axis.
function categoryOf(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

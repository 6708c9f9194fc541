import { describe, expect, it } from 'vitest';
import {
  MAX_TIMELINE_POINTS,
  durationHistogram,
  formatSeconds,
  runningPerSource,
  varyingParams,
  type ChartTask,
} from '../../src/report/chart-data.js';
import {
  MAX_SCATTER_POINTS,
  durationChart,
  paramMetricCharts,
  errorGroupsChart,
} from '../../src/report/chart-configs.js';
import { escapeHtml, jsonForScript, chartScripts } from '../../src/report/chart-page.js';
import type { FailureGroup } from '../../src/diagnose/index.js';

const task = (
  name: string,
  source: string,
  start: number | null,
  end: number | null,
  status: ChartTask['status'] = 'completed',
): ChartTask => ({ name, source, status, started_at_ms: start, ended_at_ms: end });

describe('chart data', () => {
  it('counts the tasks running on each source over time, a running task up to now', () => {
    const { t0Ms, sources } = runningPerSource(
      [
        task('a', 'local', 1000, 3000),
        task('b', 'local', 2000, 4000),
        task('c', 'gpu', 3000, null, 'running'),
        task('d', 'local', null, null, 'pending'),
      ],
      6000,
    );
    expect(t0Ms).toBe(1000);
    expect(sources.local).toEqual([
      { x: 0, y: 0 },
      { x: 0, y: 1 },
      { x: 1, y: 2 },
      { x: 2, y: 1 },
      { x: 3, y: 0 },
    ]);
    expect(sources.gpu).toEqual([
      { x: 0, y: 0 },
      { x: 2, y: 1 },
      { x: 5, y: 0 },
    ]);
  });

  it('an end and a start at the same instant make one point, not a dip or a spike', () => {
    const { sources } = runningPerSource([task('a', 's', 0, 1000), task('b', 's', 1000, 2000)], 0);
    expect(sources.s).toEqual([
      { x: 0, y: 0 },
      { x: 0, y: 1 },
      { x: 1, y: 1 },
      { x: 2, y: 0 },
    ]);
  });

  it('keeps a large sweep to a bounded number of points and keeps its peaks', () => {
    const tasks: ChartTask[] = [];
    for (let i = 0; i < 20_000; i++) tasks.push(task(`t${i}`, 'local', i * 100, i * 100 + 50));
    tasks.push(task('long1', 'local', 500_000, 500_075), task('long2', 'local', 500_010, 500_060));
    const points = runningPerSource(tasks, 0).sources.local!;
    expect(points.length).toBeLessThanOrEqual(MAX_TIMELINE_POINTS + 1);
    expect(Math.max(...points.map((p) => p.y))).toBe(3); // t5000 (500,000-500,050) and both long ones
  });

  it('bins durations between the shortest and the longest, completed and failed apart', () => {
    const tasks = [
      task('a', 's', 0, 1000),
      task('b', 's', 0, 2000),
      task('c', 's', 0, 10_000, 'failed'),
      task('d', 's', 0, 10_000),
      task('e', 's', null, null, 'pending'),
    ];
    const h = durationHistogram(tasks);
    expect(h.edges[0]).toBe(1);
    expect(h.edges[h.edges.length - 1]).toBeCloseTo(10);
    expect(h.series.completed!.reduce((a, b) => a + b)).toBe(3);
    expect(h.series.failed).toEqual([0, 1]);
    expect(durationHistogram([]).edges).toEqual([]);
  });

  it('a few outliers do not squeeze every other duration into one bin: the last bin is open-ended', () => {
    const tasks = Array.from({ length: 200 }, (_, i) => task(`t${i}`, 's', 0, 1000 + (i % 10) * 100));
    tasks.push(task('slow', 's', 0, 3_600_000));
    const h = durationHistogram(tasks);
    expect(h.open_ended).toBe(true);
    expect(h.edges[h.edges.length - 1]).toBeCloseTo(1.9);
    expect(h.series.completed![h.series.completed!.length - 1]).toBe(21); // the 1.9 s tasks and the slow one
    expect(h.series.completed!.reduce((a, b) => a + b)).toBe(201);
    const labels = durationChart(tasks).config.data.labels!;
    expect(labels[labels.length - 1]).toMatch(/^≥ 1\.\ds$/);
    expect(durationHistogram(tasks.slice(0, 200)).open_ended).toBe(false);
  });

  it('plots the parameters that vary against numeric metrics, the sweep metric first, completed tasks only', () => {
    const results = [1, 2, 3].map((i) => ({
      name: `task_00${i}`,
      status: 'completed' as const,
      params: { lr: 10 ** -i, model: i === 1 ? 'small' : 'large', seed: 7 },
      metrics: { acc: i / 10, loss: 1 / i, note: 'x' },
    }));
    results.push({
      name: 'task_004',
      status: 'failed' as never,
      params: { lr: 1, model: 'odd', seed: 8 },
      metrics: { acc: 9, loss: 9, note: 'x' },
    });
    expect(varyingParams(results.slice(0, 3))).toEqual(['lr', 'model']);
    const charts = paramMetricCharts(results, 'loss');
    expect(charts.map((c) => c.title)).toEqual(['loss by lr', 'loss by model', 'acc by lr', 'acc by model']);
    const [lr, model] = charts;
    expect((lr!.config.options.scales as { x: { type: string } }).x.type).toBe('logarithmic');
    expect(lr!.config.data.datasets[0]!.data).toHaveLength(3);
    expect((model!.config.options.scales as { x: { type: string } }).x.type).toBe('category');
    expect(model!.config.data.labels).toEqual(['large', 'small']);
  });

  it('a scatter of a large sweep keeps an evenly spaced sample of the tasks and says so', () => {
    const results = Array.from({ length: 10_000 }, (_, i) => ({
      name: `task_${i}`,
      status: 'completed' as const,
      params: { lr: (i % 7) + 1 },
      metrics: { loss: i },
    }));
    const [chart] = paramMetricCharts(results);
    const data = chart!.config.data.datasets[0]!.data as { y: number }[];
    expect(data).toHaveLength(MAX_SCATTER_POINTS);
    expect(data[0]!.y).toBe(0);
    expect(data[data.length - 1]!.y).toBeGreaterThan(9_990);
    expect(chart!.title).toBe(`loss by lr (${MAX_SCATTER_POINTS} of 10000 tasks, evenly spaced)`);
  });

  it('labels error groups with their cause and evidence', () => {
    const group = {
      title: 'missing module',
      evidence: "ModuleNotFoundError: No module named 'wandb'",
      count: 3,
      category: 'missing_module',
    } as FailureGroup;
    const chart = errorGroupsChart([group]);
    expect(chart.config.data.labels).toEqual([
      "missing module: ModuleNotFoundError: No module named 'wandb'",
    ]);
    expect(chart.config.data.datasets[0]!.data).toEqual([3]);
  });

  it('formats seconds for people', () => {
    expect([formatSeconds(2.34), formatSeconds(42.4), formatSeconds(199.9), formatSeconds(7500)]).toEqual([
      '2.3s',
      '42s',
      '3m 19s',
      '2h 5m',
    ]);
  });
});

describe('chart page pieces', () => {
  it('escapes text for HTML and JSON for a script element', () => {
    expect(escapeHtml(`<b a="1">&'`)).toBe('&#60;b a=&#34;1&#34;&#62;&#38;&#39;');
    const json = jsonForScript({ s: '</script><!-- \u2028' });
    expect(json).not.toMatch(/[<>\u2028]/);
    expect(JSON.parse(json)).toEqual({ s: '</script><!-- \u2028' });
  });

  it('a library text holding </script cannot end its script element early', () => {
    const html = chartScripts([], 'var s = "</script><b>";');
    expect(html.match(/<\/script>/g)).toHaveLength(3);
  });
});

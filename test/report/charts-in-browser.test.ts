import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailureGroup } from '../../src/diagnose/index.js';
import {
  durationChart,
  errorGroupsChart,
  paramMetricCharts,
  timelineChart,
} from '../../src/report/chart-configs.js';
import type { ChartTask } from '../../src/report/chart-data.js';
import { chartFigure, chartScripts } from '../../src/report/chart-page.js';
import { chartJsSource } from '../../src/report/chart-library.js';
import { closeChromium, drawnPixels, launchChromium, openPage, saveScreenshot } from '../helpers/chromium.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// The chart module drawn by the real Chart.js in a real Chromium: every kind of chart hsm makes
// draws, a live page can redraw in place, and nothing of a sweep is parsed as HTML.

const HOSTILE = '<img src=x onerror="window.pwned=1">';
const tasks: ChartTask[] = Array.from({ length: 40 }, (_, i) => ({
  name: i === 0 ? HOSTILE : `task_${String(i + 1).padStart(3, '0')}`,
  status: i % 5 === 0 ? 'failed' : 'completed',
  source: i % 2 ? 'local' : 'gpubox',
  started_at_ms: 1_000_000 + i * 500,
  ended_at_ms: 1_000_000 + i * 500 + 1000 + (i % 7) * 300,
}));
const results = tasks.map((t, i) => ({
  name: t.name,
  status: t.status,
  params: { lr: [0.1, 0.01, 0.001][i % 3]!, opt: i % 2 ? 'adam' : HOSTILE },
  metrics: { loss: 1 / (i + 1) },
}));
const groups = [
  { title: 'missing module', evidence: HOSTILE, count: 5, category: 'missing_module' },
  { title: 'timed out', evidence: 'timeout after 4h', count: 3, category: 'timeout' },
] as FailureGroup[];

let browser: Browser | undefined;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => closeChromium(browser));

describe('charts in Chromium', () => {
  it('draws the timeline, the duration histogram, the scatters and the error groups from inlined Chart.js', async () => {
    const specs = [
      timelineChart(tasks, 2_000_000),
      durationChart(tasks),
      ...paramMetricCharts(results, 'loss'),
      errorGroupsChart(groups),
    ];
    expect(specs).toHaveLength(5);
    const file = join(makeTempDir('hsm-charts-'), 'charts.html');
    writeFileSync(
      file,
      `<!doctype html><html><head><meta charset="utf-8"></head><body>${specs.map((s) => chartFigure(s)).join('')}` +
        `${chartScripts(specs, chartJsSource())}</body></html>`,
    );
    const url = pathToFileURL(file).href;
    const { page, requests, errors } = await openPage(browser!, url);
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    for (const s of specs) expect(await drawnPixels(page, `#${s.id}`), s.id).toBeGreaterThan(500);
    const points = await page.evaluate(() => {
      const charts = (
        globalThis as unknown as {
          hsmCharts: Record<string, { data: { datasets: Array<{ data: unknown[] }> } }>;
        }
      ).hsmCharts;
      return Object.fromEntries(
        Object.entries(charts).map(([id, c]) => [id, c.data.datasets.map((d) => d.data.length)]),
      );
    });
    expect(points['chart-error-groups']).toEqual([2]);
    expect(points['chart-scatter-1']).toEqual([32]); // the completed tasks
    expect(points['chart-timeline']).toHaveLength(2); // two sources
    // Task names, params and evidence lines are drawn on canvases, never parsed into the page.
    expect(await page.$$('img')).toHaveLength(0);
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
    await saveScreenshot(page, 'report-charts');
  });

  it('a live page redraws a chart with new data in place (the same Chart instance)', async () => {
    const first = errorGroupsChart(groups);
    const file = join(makeTempDir('hsm-charts-'), 'live.html');
    writeFileSync(
      file,
      `<!doctype html><body>${chartFigure(first)}${chartScripts([first], chartJsSource())}</body>`,
    );
    const { page } = await openPage(browser!, pathToFileURL(file).href);
    const next = errorGroupsChart([...groups, { ...groups[1]!, title: 'segfault', count: 9 }]);
    const result = await page.evaluate((spec) => {
      const w = globalThis as unknown as {
        hsmCharts: Record<string, { data: { labels: string[] } }>;
        hsmRenderCharts: (s: unknown[]) => void;
      };
      const before = w.hsmCharts['chart-error-groups'];
      w.hsmRenderCharts([spec]);
      const after = w.hsmCharts['chart-error-groups']!;
      return { same: before === after, labels: after.data.labels };
    }, next);
    expect(result.same).toBe(true);
    expect(result.labels).toHaveLength(3);
    expect(result.labels[2]).toBe('segfault: timeout after 4h');
  });
});

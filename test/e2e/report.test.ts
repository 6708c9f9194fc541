import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldNodeSet } from '../../src/remote/nodeset/index.js';
import { ensureBuilt, hsm, makeProject } from '../helpers/cli.js';
import { closeChromium, drawnPixels, launchChromium, openPage, saveScreenshot } from '../helpers/chromium.js';

// `hsm report` on a sweep whose tasks report metrics or fail for real (test/fixtures/report/task.sh),
// the pages opened in headless Chromium: self-contained (no request but the file itself), the counts,
// groups and task names of `hsm status`, `hsm results` and `hsm errors`, charts drawn by Chart.js,
// task output shown as text.

const TASK = resolve(__dirname, '../fixtures/report/task.sh');
const MODES = ['ok', 'raise', 'missing_module', 'segfault', 'html'];

interface ReportFiles {
  sweep_id: string;
  reports_dir: string;
  completion_report: string;
  error_analysis: string;
  performance_analysis: string;
}

interface Stats {
  count: number;
  median: number;
  max: number;
}
interface Perf {
  sweep_id: string;
  tasks: Record<string, number>;
  success_rate: number;
  duration_seconds: { all: Stats };
  sources: Record<string, Record<string, unknown>>;
  best: { task: string };
  metrics: Record<string, Stats>;
  failures: { groups: unknown[] };
}

let dir: string;
let files: ReportFiles;
let browser: Browser | undefined;

beforeAll(async () => {
  ensureBuilt();
  dir = makeProject(`name: report-fixture
command: ["sh", "${TASK}", "{mode}", "{lr}", "1"]
args: none
metric: {name: loss, goal: min}
sweep:
  grid:
    mode: [${MODES.join(', ')}]
    lr: [0.1, 0.03, 0.01, 0.003]
`);
  const run = hsm(['run', '--jobs', '4', '--json'], dir);
  expect(run.code, run.stderr).toBe(1);
  const made = hsm(['report', '--json'], dir);
  expect(made.code, made.stderr).toBe(0);
  files = JSON.parse(made.stdout) as ReportFiles;
  browser = await launchChromium();
}, 60_000);

afterAll(() => closeChromium(browser));

// Opens a report; it must load without a script error and request nothing but its own file.
async function open(file: string): Promise<Page> {
  const url = pathToFileURL(file).href;
  const { page, requests, errors } = await openPage(browser!, url);
  expect(errors).toEqual([]);
  expect(requests).toEqual([url]);
  return page;
}

const card = (page: Page, label: string) => page.textContent(`[data-card="${label}"] b`);
const chartData = (page: Page) =>
  page.evaluate(() => {
    const charts = (
      globalThis as unknown as {
        hsmCharts: Record<string, { data: { labels?: string[]; datasets: Array<{ data: unknown[] }> } }>;
      }
    ).hsmCharts;
    return Object.fromEntries(
      Object.entries(charts).map(([id, c]) => [
        id,
        { labels: c.data.labels ?? [], points: c.data.datasets.map((d) => d.data.length) },
      ]),
    );
  });

describe('hsm report', () => {
  it('writes the three files under <sweep>/reports/', () => {
    expect(files.reports_dir).toMatch(/\/reports$/);
    expect(files.completion_report).toBe(join(files.reports_dir, 'completion_report.html'));
    const text = hsm(['report', files.sweep_id.slice(0, 14)], dir);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(files.error_analysis);
    // --out: elsewhere (a sweep directory that cannot be written), the same pages
    const out = join(dir, 'sent');
    const moved = JSON.parse(hsm(['report', '--out', 'sent', '--json'], dir).stdout) as ReportFiles;
    expect(moved.completion_report).toBe(join(out, 'completion_report.html'));
    expect(readFileSync(moved.error_analysis, 'utf8')).toContain('<title>Errors of sweep');
  });

  it('completion_report.html: counts, sources, the tasks best first, every chart drawn', async () => {
    const results = JSON.parse(hsm(['results', '--json'], dir).stdout) as {
      best: { task: string; value: number };
    };
    const page = await open(files.completion_report);
    expect(await card(page, 'tasks')).toBe('20');
    expect(await card(page, 'completed')).toBe('4');
    expect(await card(page, 'failed')).toBe('16');
    expect(await page.textContent('#sources tbody')).toMatch(/local\s*4\s*16/);
    const rows = await page.$$eval('#task-table tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
    expect(rows).toHaveLength(20);
    expect(rows[0]).toContain(results.best.task);
    expect(rows.filter((r) => r.includes('completed'))).toHaveLength(4);
    const charts = await chartData(page);
    expect(Object.keys(charts).sort()).toEqual(
      ['chart-durations', 'chart-timeline', ...[0, 1].map((i) => `chart-scatter-${i}`)].sort(),
    );
    expect(charts['chart-timeline']!.points).toHaveLength(1); // one source
    expect(charts['chart-scatter-0']!.points).toEqual([4]); // loss by lr: the completed tasks
    for (const id of Object.keys(charts)) expect(await drawnPixels(page, `#${id}`), id).toBeGreaterThan(500);
    await saveScreenshot(page, 'report-completion');
  });

  it('error_analysis.html: every cause with its count, shared value and tasks, task output as text', async () => {
    const errors = JSON.parse(hsm(['errors', '--json'], dir).stdout) as {
      groups: { title: string; count: number; tasks: string[] }[];
    };
    const page = await open(files.error_analysis);
    expect(await card(page, 'did not complete')).toBe('16');
    const groups = await page.$$eval('.group', (els) =>
      els.map((el) => ({
        category: el.getAttribute('data-category'),
        heading: el.querySelector('h3')?.textContent ?? '',
        text: el.textContent ?? '',
        stderr: el.querySelector('pre.stderr')?.textContent ?? '',
      })),
    );
    expect(groups.map((g) => g.category).sort()).toEqual([
      'missing_module',
      'python_exception',
      'segfault',
      'unknown',
    ]);
    for (const g of errors.groups) {
      const shown = groups.find((x) => x.heading.startsWith(`${g.count} tasks: ${g.title}`));
      expect(shown, g.title).toBeDefined();
      expect(shown!.text).toContain(`tasks: ${foldNodeSet(g.tasks)}`);
    }
    const missing = groups.find((g) => g.category === 'missing_module')!;
    expect(missing.text).toContain("ModuleNotFoundError: No module named 'hsm_no_such_module'");
    expect(missing.text).toContain('all with mode=missing_module');
    // The markup a task printed is text on the page: shown exactly, never run or parsed.
    const html = groups.find((g) => g.category === 'unknown')!;
    expect(html.stderr).toContain('loading <script>window.pwned=1</script>');
    expect(html.stderr).toContain('RuntimeError: bad <img src=x onerror="window.pwned=2"> & friends');
    expect(await page.$$('img')).toHaveLength(0);
    expect(await page.$$('body script')).toHaveLength(3); // Chart.js, the chart data, the bootstrap
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
    const chart = (await chartData(page))['chart-error-groups']!;
    expect(chart.labels).toHaveLength(4);
    expect(chart.labels.some((l) => l.startsWith('missing Python module: ModuleNotFoundError'))).toBe(true);
    expect(await drawnPixels(page, '#chart-error-groups')).toBeGreaterThan(500);
    await saveScreenshot(page, 'report-errors');
  });

  it('performance_analysis.yaml: counts, durations, the source, the best task, the causes', () => {
    const perf = parse(readFileSync(files.performance_analysis, 'utf8')) as Perf;
    expect(perf.sweep_id).toBe(files.sweep_id);
    expect(perf.tasks).toMatchObject({ total: 20, completed: 4, failed: 16 });
    expect(perf.success_rate).toBe(0.2);
    expect(perf.duration_seconds.all.count).toBe(20);
    expect(perf.duration_seconds.all.max).toBeGreaterThanOrEqual(perf.duration_seconds.all.median);
    expect(perf.sources.local).toMatchObject({ completed: 4, failed: 16 });
    expect(perf.best.task).toMatch(/^task_\d+$/);
    expect(perf.metrics.loss?.count).toBe(4);
    expect(perf.failures.groups).toHaveLength(4);
  });

  it('a sweep without failures says so; a reports directory that cannot be written is exit 3 with the path', async () => {
    const ok = makeProject(
      `command: ["sh", "${TASK}", "ok", "{lr}", "1"]\nargs: none\nsweep:\n  grid:\n    lr: [0.1, 0.2]\n`,
    );
    expect(hsm(['run', '--jobs', '2'], ok).code).toBe(0);
    const made = JSON.parse(hsm(['report', '--json'], ok).stdout) as ReportFiles;
    const page = await open(made.error_analysis);
    expect(await page.textContent('#no-failures')).toContain('No failed, lost or cancelled tasks');
    renameSync(made.reports_dir, `${made.reports_dir}.old`);
    writeFileSync(made.reports_dir, 'not a directory');
    const r = hsm(['report'], ok);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`cannot write the reports of sweep ${made.sweep_id} to ${made.reports_dir}`);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const missing = hsm(['report', 'no-such-sweep'], ok);
    expect(missing.code).toBe(2);
  });
});

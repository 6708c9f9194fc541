import { TASK_STATUSES } from '../domain/task.js';
import { durationChart, paramMetricCharts, timelineChart } from './chart-configs.js';
import { formatSeconds } from './chart-data.js';
import { escapeHtml } from './chart-page.js';
import { card, cellValue, chartGrid, renderDocument, section, table, type Column } from './html-document.js';
import type { ReportInput, ReportTask } from './report-model.js';

// reports/completion_report.html: how the sweep went. Counts, sources, the best task, the timeline,
// durations, every parameter against every metric, and the table of tasks with params and metrics.

/** Rows past this are left out of the page's table (the charts still use every task). */
export const MAX_TABLE_ROWS = 2000;

export function completionReportHtml(input: ReportInput, chartJs: string): string {
  const { sweep, results } = input;
  const timeline = timelineChart(input.tasks, input.now_ms);
  const charts = [
    timeline,
    durationChart(input.tasks),
    ...paramMetricCharts(results.tasks, results.metric?.name ?? null),
  ];
  const c = sweep.counts;
  const finished = c.completed + c.failed + c.lost + c.cancelled;
  const cards = [
    card('tasks', sweep.total),
    card('completed', c.completed, 'good'),
    card('failed', c.failed, c.failed > 0 ? 'bad' : ''),
    ...(['lost', 'cancelled', 'running', 'queued', 'pending'] as const)
      .filter((s) => c[s] > 0)
      .map((s) => card(s, c[s], s === 'lost' ? 'bad' : '')),
    card('success rate', finished === 0 ? '–' : `${Math.round((c.completed / finished) * 1000) / 10}%`),
    card('wall clock', wallClock(input)),
    ...(sweep.running && sweep.eta_seconds !== null ? [card('ETA', formatSeconds(sweep.eta_seconds))] : []),
  ];
  const best =
    results.metric && results.best
      ? `<p>Best task by <b>${escapeHtml(results.metric.name)}</b> (${results.metric.goal}): <b>${escapeHtml(results.best.task)}</b> = ${escapeHtml(cellValue(results.best.value))}</p>`
      : '';
  const body = [
    `<nav><a href="error_analysis.html">Error analysis</a><a href="performance_analysis.yaml">Performance (YAML)</a></nav>`,
    `<div class="cards">${cards.join('')}</div>`,
    best,
    section('Sources', sourcesTable(input)),
    section('Charts', chartGrid(charts)),
    section('Tasks', tasksTable(input), 'tasks'),
  ].join('\n');
  return renderDocument({ title: `Sweep ${sweep.id}`, meta: metaLines(input), body, charts, chartJs });
}

export function metaLines(input: ReportInput): Array<[string, string]> {
  const s = input.sweep;
  const lines: Array<[string, string]> = [];
  if (s.name) lines.push(['name', s.name]);
  lines.push(['created', s.created_at]);
  if (s.completed_at) lines.push(['finished', s.completed_at]);
  if (s.sweep_file) lines.push(['sweep file', s.sweep_file]);
  if (s.git) lines.push(['git', `${s.git.commit.slice(0, 12)}${s.git.dirty ? ' (dirty)' : ''}`]);
  lines.push(['hsm', s.hsm_version], ['report made', new Date(input.now_ms).toISOString()]);
  if (s.running) lines.push(['state', 'running']);
  return lines;
}

function wallClock(input: ReportInput): string {
  let first = Infinity;
  let last = -Infinity;
  for (const t of input.tasks) {
    if (t.started_at_ms === null) continue;
    first = Math.min(first, t.started_at_ms);
    last = Math.max(last, t.ended_at_ms ?? input.now_ms);
  }
  return first === Infinity ? '–' : formatSeconds((last - first) / 1000);
}

function sourcesTable(input: ReportInput): string {
  const rows = Object.entries(input.sweep.sources);
  if (rows.length === 0) return '<p class="note">No task has been handed to a source yet.</p>';
  const shown = TASK_STATUSES.filter((s) => rows.some(([, c]) => c[s] > 0));
  const cols: Column<(typeof rows)[number]>[] = [
    { head: 'source', text: ([name]) => name },
    ...shown.map((s) => ({ head: s, text: ([, c]: (typeof rows)[number]) => String(c[s]), numeric: true })),
  ];
  return table(rows, cols, 'id="sources"');
}

function tasksTable(input: ReportInput): string {
  const { results } = input;
  const byName = new Map(results.tasks.map((r) => [r.name, r]));
  let rows: ReportTask[] = input.tasks;
  const m = results.metric;
  if (m) {
    // The best first: tasks that reported the sweep's metric, then the others in task order.
    const value = (t: ReportTask) => byName.get(t.name)?.metrics?.[m.name];
    const sign = m.goal === 'min' ? 1 : -1;
    rows = [...rows].sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      if (typeof va !== 'number' || typeof vb !== 'number')
        return typeof va === 'number' ? -1 : typeof vb === 'number' ? 1 : 0;
      return sign * (va - vb);
    });
  }
  const cols: Column<ReportTask>[] = [
    { head: 'task', text: (t) => t.name },
    { head: 'status', text: (t) => t.status, cls: (t) => `status-${t.status}` },
    { head: 'source', text: (t) => t.source ?? '' },
    { head: 'attempts', text: (t) => String(t.attempts), numeric: true },
    {
      head: 'duration',
      text: (t) =>
        t.started_at_ms !== null && t.ended_at_ms !== null
          ? formatSeconds((t.ended_at_ms - t.started_at_ms) / 1000)
          : '',
      numeric: true,
    },
    { head: 'exit', text: (t) => cellValue(t.exit_code), numeric: true },
    ...results.param_keys.map((k) => ({ head: k, text: (t: ReportTask) => cellValue(t.params[k]) })),
    ...results.metric_keys.map((k) => ({
      head: k,
      text: (t: ReportTask) => cellValue(byName.get(t.name)?.metrics?.[k]),
      numeric: true,
    })),
  ];
  const shown = rows.slice(0, MAX_TABLE_ROWS);
  const note =
    rows.length > shown.length
      ? `<p class="note">The first ${shown.length} of ${rows.length} tasks; <code>hsm results ${escapeHtml(input.sweep.id)} --csv</code> lists every one.</p>`
      : '';
  return table(shown, cols, 'id="task-table"') + note;
}

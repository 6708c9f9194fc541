import { describeShared } from '../diagnose/index.js';
import { errorGroupsChart } from './chart-configs.js';
import { escapeHtml } from './chart-page.js';
import { metaLines } from './completion-report.js';
import { card, chartGrid, renderDocument, section, table } from './html-document.js';
import type { ReportErrorGroup, ReportInput } from './report-model.js';
import { plural } from '../domain/plural.js';

// reports/error_analysis.html: the tasks that did not complete, grouped by cause as `hsm errors` groups
// them: evidence, what the group's tasks share, the hint, the last stderr lines of one of them and the
// command that runs just those tasks again. Task output is shown as text, never as HTML.

/** Other tasks' evidence lines shown per group. */
const OTHER_LINES = 5;

export function errorReportHtml(input: ReportInput, chartJs: string): string {
  const { errors, sweep } = input;
  const charts = errors.groups.length > 0 ? [errorGroupsChart(errors.groups)] : [];
  const kinds = Object.entries(errors.counts).filter(([, n]) => n > 0);
  const cards = [
    card('tasks', sweep.total),
    card('did not complete', errors.failed, errors.failed > 0 ? 'bad' : 'good'),
    ...kinds.map(([k, n]) => card(k, n)),
    card('causes', errors.groups.length),
  ];
  const body =
    errors.failed === 0
      ? `<div class="cards">${cards.join('')}</div><p id="no-failures">No failed, lost or cancelled tasks.</p>`
      : [
          `<nav><a href="completion_report.html">Completion report</a></nav>`,
          `<div class="cards">${cards.join('')}</div>`,
          section('Causes', chartGrid(charts) + overviewTable(errors.groups)),
          section('Groups', errors.groups.map((g, i) => groupSection(g, i)).join('\n')),
          section('Run them again', `<pre id="rerun-all">${escapeHtml(errors.rerun)}</pre>`),
        ].join('\n');
  return renderDocument({
    title: `Errors of sweep ${sweep.id}`,
    meta: metaLines(input),
    body,
    charts,
    chartJs,
  });
}

function overviewTable(groups: readonly ReportErrorGroup[]): string {
  return table(
    groups,
    [
      { head: 'tasks', text: (g) => String(g.count), numeric: true },
      { head: 'category', text: (g) => g.category },
      { head: 'cause', text: (g) => g.title },
      { head: 'shared', text: describeShared },
      { head: 'evidence', text: (g) => g.evidence },
    ],
    'id="groups-table"',
  );
}

function groupSection(g: ReportErrorGroup, i: number): string {
  const shared = describeShared(g);
  const others = Object.entries(g.lines);
  const parts = [
    `<h3>${escapeHtml(`${plural(g.count, 'task')}: ${g.title}`)} <small>(${escapeHtml(g.category)})</small></h3>`,
    shared ? `<p>${escapeHtml(shared)}</p>` : '',
    `<pre class="evidence">${escapeHtml(g.evidence)}</pre>`,
    others.length > 0
      ? `<p>Other tasks' lines:</p><pre>${escapeHtml(
          others
            .slice(0, OTHER_LINES)
            .map(([task, line]) => `${task}: ${line}`)
            .join('\n'),
        )}${others.length > OTHER_LINES ? escapeHtml(`\n... ${others.length - OTHER_LINES} more`) : ''}</pre>`
      : '',
    `<p class="hint">hint: ${escapeHtml(g.hint)}</p>`,
    `<p>tasks: <code class="tasks">${escapeHtml(g.folded_tasks)}</code></p>`,
    g.stderr_tail.trim() !== ''
      ? `<p>last lines of ${escapeHtml(g.tasks[0] ?? '')}'s stderr:</p><pre class="stderr">${escapeHtml(g.stderr_tail)}</pre>`
      : '',
    `<p>run them again:</p><pre class="rerun">${escapeHtml(g.rerun)}</pre>`,
  ];
  return `<div class="group" id="group-${i + 1}" data-category="${escapeHtml(g.category)}">${parts.join('')}</div>`;
}

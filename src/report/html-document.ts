import type { ChartSpec } from './chart-configs.js';
import { chartFigure, chartScripts, escapeHtml } from './chart-page.js';

// The frame of a report page: one self-contained HTML file (styles and scripts inline, no URL fetched),
// readable without its charts, and printable.

const STYLE = `
:root { color-scheme: light; --fg: #1d2329; --muted: #5b6670; --line: #d9dee3; --bad: #b3261e; --good: #0b7a50; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0; padding: 24px 32px 48px; max-width: 1280px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.meta { color: var(--muted); margin: 0 0 16px; } .meta span { margin-right: 16px; white-space: nowrap; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 110px; }
.card b { display: block; font-size: 20px; } .card small { color: var(--muted); }
.card.bad b { color: var(--bad); } .card.good b { color: var(--good); }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
th { color: var(--muted); font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.status-failed, .status-lost { color: var(--bad); font-weight: 600; } .status-completed { color: var(--good); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px 24px; }
figure.hsm-chart { margin: 0; } figcaption { font-weight: 600; margin-bottom: 4px; }
pre, code { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
pre { background: #f5f7f9; border: 1px solid var(--line); padding: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.group { border-left: 4px solid var(--bad); padding: 2px 0 2px 14px; margin: 18px 0; }
.hint { color: var(--muted); } .note { color: var(--muted); font-style: italic; }
nav a { margin-right: 16px; }
`;

export interface PageParts {
  title: string;
  /** Lines under the title: label -> value (escaped here). */
  meta: Array<[string, string]>;
  /** The page's sections, HTML made with the helpers below. */
  body: string;
  charts: readonly ChartSpec[];
  chartJs: string;
}

export function renderDocument(p: PageParts): string {
  const meta = p.meta.map(([k, v]) => `<span>${escapeHtml(k)}: <b>${escapeHtml(v)}</b></span>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(p.title)}</title>
<style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(p.title)}</h1>
<p class="meta">${meta}</p>
${p.body}
${p.charts.length > 0 ? chartScripts(p.charts, p.chartJs) : ''}
</body></html>
`;
}

/** A section with a heading (text) and content (HTML). */
export function section(heading: string, html: string, id?: string): string {
  return `<section${id ? ` id="${escapeHtml(id)}"` : ''}><h2>${escapeHtml(heading)}</h2>${html}</section>`;
}

/** Figures for the charts, two to a row on a wide screen. */
export function chartGrid(charts: readonly ChartSpec[]): string {
  return charts.length === 0 ? '' : `<div class="charts">${charts.map((c) => chartFigure(c)).join('')}</div>`;
}

/** A number with a caption; `tone` colours it. */
export function card(label: string, value: string | number, tone: '' | 'bad' | 'good' = ''): string {
  return `<div class="card${tone ? ` ${tone}` : ''}" data-card="${escapeHtml(label)}"><b>${escapeHtml(String(value))}</b><small>${escapeHtml(label)}</small></div>`;
}

export interface Column<T> {
  head: string;
  /** The cell's text (escaped here). */
  text: (row: T) => string;
  numeric?: boolean;
  /** A class for the cell, e.g. `status-failed`. */
  cls?: (row: T) => string;
}

/** A table of text cells: every cell is escaped. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[], attrs = ''): string {
  const head = columns.map((c) => `<th>${escapeHtml(c.head)}</th>`).join('');
  const body = rows
    .map((r) => {
      const cells = columns.map((c) => {
        const classes = [c.numeric ? 'num' : '', c.cls?.(r) ?? ''].filter(Boolean).join(' ');
        return `<td${classes ? ` class="${escapeHtml(classes)}"` : ''}>${escapeHtml(c.text(r))}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<table${attrs ? ` ${attrs}` : ''}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A parameter or metric value as a cell shows it. */
export function cellValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  return typeof v === 'string' ? v : JSON.stringify(v);
}

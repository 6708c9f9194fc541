import type { ChartSpec } from './chart-configs.js';

// The browser side of the charts, shared by the HTML reports and the dashboard: a <figure> with a
// <canvas> per chart, the chart configurations as JSON, and a small bootstrap that draws them with
// Chart.js (the library itself is chart-library.ts). Everything from a sweep (task names, stderr
// lines, parameter values) reaches the page as escaped text or as JSON read by the script, and
// Chart.js draws labels on the canvas: nothing of a sweep is ever parsed as HTML.

/** Text for an HTML element or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON that is safe inside <script>: `<`, `>`, `&` and the line separators are written as \u escapes,
 * so no value can close the script element or open a comment.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The place of one chart in the page: a caption and a canvas of fixed height. */
export function chartFigure(spec: ChartSpec, heightPx = 320): string {
  const id = escapeHtml(spec.id);
  const title = escapeHtml(spec.title);
  return (
    `<figure class="hsm-chart"><figcaption>${title}</figcaption>` +
    `<div style="position:relative;height:${heightPx}px"><canvas id="${id}" role="img" aria-label="${title}"></canvas></div></figure>`
  );
}

/**
 * Draws (or, for a chart already drawn, updates in place) each chart whose canvas is in the page.
 * `window.hsmCharts` maps canvas ids to Chart instances; `window.hsmRenderCharts(specs)` is how a live
 * page (the dashboard) redraws with new data. Plain ES5 without dependencies besides `Chart`.
 */
export const CHART_BOOTSTRAP_JS = `(function () {
  'use strict';
  var charts = (window.hsmCharts = window.hsmCharts || {});
  function render(spec) {
    var canvas = document.getElementById(spec.id);
    if (!canvas) return;
    var chart = charts[spec.id];
    if (chart && chart.canvas === canvas && chart.config.type === spec.config.type) {
      chart.data = spec.config.data;
      chart.options = spec.config.options;
      chart.update('none');
      return;
    }
    if (chart) chart.destroy();
    charts[spec.id] = new Chart(canvas, spec.config);
  }
  window.hsmRenderCharts = function (specs) {
    for (var i = 0; i < specs.length; i++) render(specs[i]);
  };
  var data = document.getElementById('hsm-chart-data');
  if (data) window.hsmRenderCharts(JSON.parse(data.textContent));
})();`;

/**
 * The scripts that draw `specs`: Chart.js inlined (`chartJs`, the library's UMD build), the
 * configurations, the bootstrap. Put it at the end of <body>, after the figures.
 */
export function chartScripts(specs: readonly ChartSpec[], chartJs: string): string {
  return (
    `<script>${scriptText(chartJs)}</script>\n` +
    `<script type="application/json" id="hsm-chart-data">${jsonForScript(specs)}</script>\n` +
    `<script>${CHART_BOOTSTRAP_JS}</script>`
  );
}

// A script's text must not contain `</script`: split it where a library's string or comment has one.
function scriptText(js: string): string {
  return js.replace(/<\/script/gi, '<\\/script');
}

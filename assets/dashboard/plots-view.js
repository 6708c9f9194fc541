import { el, fill, clear } from './dom.js';
import { getJson, sweepPath } from './api.js';

// The sweep's charts: parameter-vs-metric scatters, durations, the timeline per source and the
// failure groups, as the HTML reports draw them (the server sends the same Chart.js configurations;
// window.hsmRenderCharts, the shared bootstrap, draws or updates them in place). Redrawn at most every
// 10 seconds while the sweep changes.

const MIN_REDRAW_MS = 10_000;

export function createPlots(id) {
  const section = el('section', { class: 'plots' });
  let last = 0;
  let timer = null;
  async function draw() {
    last = Date.now();
    let charts;
    try {
      ({ charts } = await getJson(`${sweepPath(id)}/charts`));
    } catch (err) {
      fill(section, el('p', { class: 'error' }, err.message));
      return;
    }
    const ids = charts.map((c) => c.id).join(',');
    if (section.dataset.ids !== ids) {
      section.dataset.ids = ids;
      clear(section);
      for (const c of charts) {
        const box = el('div', { class: 'chart-box' }, el('canvas', { id: c.id, role: 'img', 'aria-label': c.title }));
        box.style.height = '300px'; // CSSOM: the CSP allows no inline style attribute
        section.append(el('figure', { class: 'hsm-chart' }, el('figcaption', {}, c.title), box));
      }
    }
    if (charts.length === 0) section.append(el('p', { class: 'muted' }, 'no charts yet'));
    else if (window.hsmRenderCharts) window.hsmRenderCharts(charts);
  }
  return {
    node: section,
    draw,
    changed() {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        draw();
      }, Math.max(0, MIN_REDRAW_MS - (Date.now() - last)));
    },
    stop() {
      clearTimeout(timer);
    },
  };
}

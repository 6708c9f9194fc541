import { el, fill, clear, progressBar, time } from './dom.js';
import { getJson } from './api.js';

// The project's sweeps, newest first, with a progress bar each; refreshed every 2 seconds.
export function renderSweeps(view) {
  const table = el('table', { class: 'sweeps' });
  view.append(el('h1', {}, 'Sweeps'), table);
  let timer = null;
  let stopped = false;
  async function refresh() {
    try {
      const { sweeps } = await getJson('/api/sweeps');
      fill(table, 
        el('tr', {}, ['sweep', 'created', 'tasks', 'progress', ''].map((h) => el('th', {}, h))),
        sweeps.length === 0 ? el('tr', {}, el('td', { colspan: 5 }, 'no sweeps yet: start one with hsm run')) : null,
        sweeps.map((s) =>
          el(
            'tr',
            { dataset: { sweep: s.sweep_id } },
            el('td', {}, el('a', { href: `#/sweep/${encodeURIComponent(s.sweep_id)}` }, s.sweep_id)),
            el('td', {}, s.created_at ? time(Date.parse(s.created_at)) : ''),
            el('td', {}, s.error ? s.error : `${s.counts.completed}/${s.total} completed`),
            el('td', {}, s.counts ? progressBar(s.counts, s.total) : ''),
            el('td', {}, s.running ? el('span', { class: 'badge s-running' }, 'running') : ''),
          ),
        ),
      );
    } catch (err) {
      fill(table, el('tr', {}, el('td', { class: 'error' }, err.message)));
    }
    if (!stopped) timer = setTimeout(refresh, 2000);
  }
  refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

import { el, fill, clear, progressBar, statusBadge, STATUSES, duration } from './dom.js';
import { getJson, postJson, subscribe, sweepPath } from './api.js';
import { createTaskTable } from './task-table.js';
import { renderErrors } from './errors-view.js';
import { createPlots } from './plots-view.js';
import { notify } from './app.js';

// One sweep: counts by status and by source (live), actions, the task table, error groups, plots.
export function renderSweep(view, id) {
  const head = el('section', { class: 'summary' });
  const actions = el(
    'div',
    { class: 'actions' },
    el('button', { id: 'cancel-sweep', onclick: () => act('cancel', 'Cancel this sweep? Running tasks are stopped.') }, 'Cancel sweep'),
    el('button', { id: 'rerun-failed', onclick: () => act('rerun-failed', 'Run the failed tasks again?') }, 'Re-run failed'),
  );
  const table = createTaskTable(id);
  const errors = el('section', { class: 'errors' });
  const plots = createPlots(id);
  view.append(el('h1', {}, id), head, actions, el('h2', {}, 'Tasks'), table.node, el('h2', {}, 'Errors'), errors, el('h2', {}, 'Charts'), plots.node);

  let errorsShownAt = -1;
  function showStatus(status) {
    fill(head, 
      progressBar(status.counts, status.total),
      el(
        'div',
        { class: 'counts' },
        STATUSES.map((s) => el('span', { class: 'count', dataset: { status: s } }, statusBadge(s), ' ', el('b', { class: 'n' }, status.counts[s]))),
        el('span', { class: 'count' }, `total ${status.total}`),
        status.eta_seconds ? el('span', { class: 'count' }, `ETA ${duration(status.eta_seconds * 1000)}`) : null,
        status.running_pid ? el('span', { class: 'count' }, `run by hsm pid ${status.running_pid}`) : null,
      ),
      sourcesTable(status.sources),
    );
    const failedNow = status.counts.failed + status.counts.lost + status.counts.cancelled;
    if (failedNow !== errorsShownAt) {
      errorsShownAt = failedNow;
      renderErrors(errors, id);
    }
  }

  async function act(action, question) {
    if (!confirm(question)) return;
    try {
      const r = await postJson(`${sweepPath(id)}/${action}`);
      notify(action === 'cancel' ? `cancel sent (${r.signalled_pid ? `hsm pid ${r.signalled_pid}` : `${r.killed_tasks.length} tasks stopped`})` : `re-running: ${r.planned} tasks`);
    } catch (err) {
      notify(`${err.message}${err.hint ? ` — ${err.hint}` : ''}`, true);
    }
  }

  getJson(sweepPath(id))
    .then(({ status, sources }) => {
      showStatus(status);
      table.setSources(sources);
    })
    .catch((err) => head.append(el('p', { class: 'error' }, err.message)));
  table.load();
  plots.draw();
  const unsubscribe = subscribe(id, (msg) => {
    showStatus(msg.status);
    table.changed(msg.tasks, msg.more);
    plots.changed();
  });
  return () => {
    unsubscribe();
    table.stop();
    plots.stop();
  };
}

function sourcesTable(sources) {
  const names = Object.keys(sources);
  if (names.length === 0) return null;
  return el(
    'table',
    { class: 'by-source' },
    el('tr', {}, el('th', {}, 'source'), STATUSES.map((s) => el('th', {}, s))),
    names.map((n) => el('tr', { dataset: { source: n } }, el('td', {}, n), STATUSES.map((s) => el('td', {}, sources[n][s] ?? 0)))),
  );
}

import { el, fill, clear, statusBadge, STATUSES, duration, compact } from './dom.js';
import { getJson, sweepPath } from './api.js';

// The task table: filtered, sorted and paged by the server (a 100,000-task sweep sends 100 rows).
// Filters: status, source, part of the name, and `hsm results --where` conditions (lr>0.01, loss<0.5).
// Column headers sort; a second click reverses. While the sweep runs, the page reloads (at most once
// a second) when a task it shows, or any task when the filter is by status, changes.

const COLUMNS = [
  ['name', 'task'],
  ['status', 'status'],
  ['source', 'source'],
  [null, 'params'],
  [null, 'metrics'],
  ['duration', 'duration'],
  ['attempts', 'attempts'],
  ['reason', 'reason'],
];
const PAGE = 100;

export function createTaskTable(id) {
  const state = { status: '', source: '', name: '', where: '', sort: 'name', desc: false, offset: 0 };
  const statusSel = el('select', { id: 'filter-status', onchange: () => set({ status: statusSel.value }) }, el('option', { value: '' }, 'any status'), STATUSES.map((s) => el('option', { value: s }, s)));
  const sourceSel = el('select', { id: 'filter-source', onchange: () => set({ source: sourceSel.value }) }, el('option', { value: '' }, 'any source'));
  const nameIn = el('input', { id: 'filter-name', placeholder: 'task name', onchange: () => set({ name: nameIn.value.trim() }) });
  const whereIn = el('input', { id: 'filter-where', placeholder: 'where: lr>0.01, loss<0.5', size: 28, onchange: () => set({ where: whereIn.value.trim() }) });
  const info = el('span', { class: 'page-info' });
  const problem = el('span', { class: 'error' });
  const prev = el('button', { onclick: () => set({ offset: Math.max(0, state.offset - PAGE) }, false) }, '‹ prev');
  const next = el('button', { onclick: () => set({ offset: state.offset + PAGE }, false) }, 'next ›');
  const table = el('table', { class: 'tasks', id: 'task-table' });
  const node = el('div', {}, el('div', { class: 'filters' }, statusSel, sourceSel, nameIn, whereIn, problem), table, el('div', { class: 'pager' }, prev, info, next));
  let shown = new Set();
  let loading = false;
  let again = false;
  let lastLoad = 0;
  let timer = null;

  function set(changes, resetOffset = true) {
    Object.assign(state, changes, resetOffset ? { offset: 0 } : {});
    load();
  }

  async function load() {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    lastLoad = Date.now();
    try {
      const page = await getJson(`${sweepPath(id)}/tasks`, { ...state, desc: state.desc ? '1' : undefined, limit: PAGE });
      problem.textContent = '';
      render(page);
    } catch (err) {
      problem.textContent = `${err.message}${err.hint ? ` — ${err.hint}` : ''}`;
    }
    loading = false;
    if (again) {
      again = false;
      load();
    }
  }

  function header() {
    return el(
      'tr',
      {},
      COLUMNS.map(([key, label]) =>
        el(
          'th',
          key ? { class: 'sortable', dataset: { sort: key }, onclick: () => set(state.sort === key ? { desc: !state.desc } : { sort: key, desc: false }) } : {},
          label,
          key === state.sort ? (state.desc ? ' ▼' : ' ▲') : '',
        ),
      ),
    );
  }

  function render(page) {
    shown = new Set(page.rows.map((r) => r.name));
    fill(table, 
      header(),
      page.rows.map((r) =>
        el(
          'tr',
          { dataset: { task: r.name, status: r.status } },
          el('td', {}, el('a', { href: `#/sweep/${encodeURIComponent(id)}/task/${encodeURIComponent(r.name)}` }, r.name)),
          el('td', {}, statusBadge(r.status)),
          el('td', {}, r.source ?? ''),
          el('td', { class: 'mono' }, compact(r.params)),
          el('td', { class: 'mono' }, compact(r.metrics)),
          el('td', {}, duration(r.duration_ms)),
          el('td', {}, r.attempts),
          el('td', {}, r.termination_reason ?? ''),
        ),
      ),
    );
    const last = Math.min(page.offset + page.rows.length, page.total);
    info.textContent = page.total === 0 ? 'no tasks match' : `${page.offset + 1}–${last} of ${page.total}`;
    prev.disabled = page.offset === 0;
    next.disabled = last >= page.total;
  }

  return {
    node,
    load,
    setSources(sources) {
      for (const s of sources) sourceSel.append(el('option', { value: s }, s));
    },
    // tasks changed (from the live stream): reload when it can change what the page shows
    changed(tasks, more) {
      const filtered = state.status !== '' || state.source !== '' || state.where !== '' || state.sort !== 'name';
      const relevant = more || filtered || tasks.some((t) => shown.has(t));
      if (!relevant) return;
      clearTimeout(timer);
      timer = setTimeout(load, Math.max(0, 1000 - (Date.now() - lastLoad)));
    },
    stop() {
      clearTimeout(timer);
    },
  };
}

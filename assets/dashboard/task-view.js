import { el, fill, clear, statusBadge, duration, time } from './dom.js';
import { getJson, postJson, subscribe, taskPath } from './api.js';
import { notify } from './app.js';

// One task: its params, metrics, attempts, and its stdout and stderr, followed while it runs. A log
// is read from where the last read ended (the server sends at most 256 KB at a time; the first read
// is the last 64 KB), so a 1 GB log costs what is new, never the whole file.

const FIRST_BYTES = 65536;
const MORE_BYTES = 262144;
const KEEP_CHARS = 2_000_000; // what a log pane holds at most; older text is dropped

export function renderTask(view, id, name) {
  const info = el('section', { class: 'task-info' });
  const attempts = el('table', { class: 'attempts' });
  const cancel = el('button', { id: 'cancel-task', onclick: cancelTask }, 'Cancel task');
  const logs = { stdout: logPane('stdout'), stderr: logPane('stderr') };
  view.append(el('h1', {}, name, ' ', el('span', { id: 'task-status' })), el('div', { class: 'actions' }, cancel), info, el('h2', {}, 'Attempts'), attempts, logs.stdout.node, logs.stderr.node);
  let detail = null;
  let stopped = false;

  async function refresh() {
    try {
      detail = await getJson(taskPath(id, name));
    } catch (err) {
      fill(info, el('p', { class: 'error' }, err.message));
      return;
    }
    fill(document.getElementById('task-status'), statusBadge(detail.status));
    cancel.disabled = !['pending', 'queued', 'running'].includes(detail.status);
    fill(info, 
      el('dl', {},
        el('dt', {}, 'params'), el('dd', { class: 'mono' }, JSON.stringify(detail.params, null, 1)),
        el('dt', {}, 'metrics'), el('dd', { class: 'mono' }, detail.metrics ? JSON.stringify(detail.metrics, null, 1) : '—'),
        el('dt', {}, 'command'), el('dd', { class: 'mono' }, detail.argv.join(' ')),
        el('dt', {}, 'source'), el('dd', {}, `${detail.source ?? '—'}${detail.host ? ` on ${detail.host}` : ''}`),
        el('dt', {}, 'duration'), el('dd', {}, duration(detail.duration_ms)),
        el('dt', {}, 'ended'), el('dd', {}, detail.termination_reason ? `${detail.termination_reason}${detail.exit_code !== null ? ` (exit ${detail.exit_code})` : ''}${detail.detail ? `: ${detail.detail}` : ''}` : '—'),
        el('dt', {}, 'directory'), el('dd', { class: 'mono' }, detail.dir),
      ),
    );
    fill(attempts, 
      el('tr', {}, ['#', 'source', 'host', 'status', 'queued', 'started', 'ended', 'exit', 'reason', 'detail'].map((h) => el('th', {}, h))),
      detail.attempts_list.map((a) =>
        el('tr', { dataset: { attempt: a.attempt } },
          [a.attempt, a.source, a.host ?? '', statusBadge(a.status), time(a.queued_at_ms), time(a.started_at_ms), time(a.ended_at_ms), a.exit_code ?? '', a.termination_reason ?? '', a.detail ?? ''].map((v) => el('td', {}, v)),
        ),
      ),
    );
  }

  function logPane(stream) {
    const pre = el('pre', { class: 'log', id: `log-${stream}` });
    const state = el('span', { class: 'muted' });
    const pane = { node: el('section', {}, el('h2', {}, stream, ' ', state), pre), offset: null, timer: null };
    pane.poll = async () => {
      if (stopped) return;
      let slice;
      try {
        slice = await getJson(`${taskPath(id, name)}/log`, { stream, from: pane.offset ?? undefined, max: pane.offset === null ? FIRST_BYTES : MORE_BYTES });
      } catch (err) {
        state.textContent = err.status === 404 ? '(none yet)' : err.message;
        const unfinished = !detail || ['pending', 'queued', 'running'].includes(detail.status);
        if (!stopped && unfinished) pane.timer = setTimeout(pane.poll, 1000);
        return;
      }
      if (pane.offset === null && slice.from > 0) pre.append(`[… ${slice.from} earlier bytes not shown …]\n`);
      if (pane.offset !== null && slice.from < pane.offset) clear(pre); // the file was rewritten (a new attempt)
      if (slice.text) {
        const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
        pre.append(slice.text); // a text node: output is never HTML
        if (pre.textContent.length > KEEP_CHARS) pre.textContent = pre.textContent.slice(-KEEP_CHARS);
        if (atBottom) pre.scrollTop = pre.scrollHeight;
      }
      pane.offset = slice.to;
      const more = slice.to < slice.size;
      state.textContent = slice.growing ? '(following)' : '';
      pre.dataset.following = slice.growing ? '1' : '0';
      if (!stopped && (slice.growing || more)) pane.timer = setTimeout(pane.poll, more ? 0 : 500);
    };
    return pane;
  }

  async function cancelTask() {
    if (!confirm(`Cancel ${name}?`)) return;
    try {
      await postJson(`${taskPath(id, name)}/cancel`);
      notify(`cancel of ${name} sent`);
    } catch (err) {
      notify(`${err.message}${err.hint ? ` — ${err.hint}` : ''}`, true);
    }
  }

  refresh().then(() => {
    logs.stdout.poll();
    logs.stderr.poll();
  });
  const unsubscribe = subscribe(id, (msg) => {
    if (msg.more || msg.tasks.includes(name)) {
      refresh();
      // a log that stopped being followed starts again when the task runs again
      for (const pane of Object.values(logs)) if (pane.timer === null || pane.node.querySelector('pre').dataset.following === '0') { clearTimeout(pane.timer); pane.poll(); }
    }
  });
  return () => {
    stopped = true;
    unsubscribe();
    for (const pane of Object.values(logs)) clearTimeout(pane.timer);
  };
}

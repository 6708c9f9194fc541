import { clear, el } from './dom.js';
import { renderSweeps } from './sweeps-view.js';
import { renderSweep } from './sweep-view.js';
import { renderTask } from './task-view.js';

// The dashboard is one page; the part after # says what it shows:
//   #/                         the project's sweeps
//   #/sweep/ID                 one sweep
//   #/sweep/ID/task/NAME       one task
// Each view returns a function that stops its timers and live stream when another view replaces it.

let stopView = () => {};

function route() {
  stopView();
  const view = clear(document.getElementById('view'));
  const crumbs = clear(document.getElementById('crumbs'));
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'sweep' && parts[1]) {
    crumbs.append(el('a', { href: `#/sweep/${encodeURIComponent(parts[1])}` }, parts[1]));
    if (parts[2] === 'task' && parts[3]) {
      crumbs.append(' / ', el('span', {}, parts[3]));
      stopView = renderTask(view, parts[1], parts[3]);
    } else stopView = renderSweep(view, parts[1]);
  } else stopView = renderSweeps(view);
}

export function notify(message, isError = false) {
  const box = document.getElementById('notice');
  box.textContent = message;
  box.className = isError ? 'error show' : 'show';
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => (box.className = ''), 6000);
}

window.addEventListener('hashchange', route);
route();

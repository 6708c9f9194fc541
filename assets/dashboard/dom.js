// Building the page from data. Everything that comes from a sweep (names, params, output) becomes a
// text node or an attribute value set through the DOM: nothing is ever parsed as HTML.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

export const STATUSES = ['pending', 'queued', 'running', 'completed', 'failed', 'cancelled', 'lost'];

export function statusBadge(status) {
  return el('span', { class: `badge s-${status}`, dataset: { status } }, status);
}

// A progress bar: one segment per status, widths by count.
export function progressBar(counts, total) {
  const bar = el('div', { class: 'progress', title: STATUSES.map((s) => `${s} ${counts[s] ?? 0}`).join(', ') });
  for (const s of STATUSES) {
    const n = counts[s] ?? 0;
    if (n === 0 || total === 0) continue;
    const seg = el('span', { class: `seg s-${s}` });
    seg.style.width = `${(100 * n) / total}%`; // CSSOM: the page's CSP allows no inline style attribute
    bar.append(seg);
  }
  return bar;
}

export function duration(ms) {
  if (ms === null || ms === undefined) return '';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function time(ms) {
  return ms === null || ms === undefined ? '' : new Date(ms).toLocaleString();
}

export function compact(obj) {
  if (!obj) return '';
  return Object.entries(obj)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : JSON.stringify(v)}`)
    .join(' ');
}

// Replaces a node's children (arrays are flattened; null, undefined and false are skipped).
export function fill(node, ...children) {
  return append(clear(node), children);
}

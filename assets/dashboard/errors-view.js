import { el, fill, clear } from './dom.js';
import { getJson, sweepPath } from './api.js';

// The failures of a sweep grouped by cause (`hsm errors`): category, count, evidence, hint, what the
// group's tasks share, and the command that runs them again.
export async function renderErrors(section, id) {
  let report;
  try {
    report = await getJson(`${sweepPath(id)}/errors`);
  } catch (err) {
    fill(section, el('p', { class: 'error' }, err.message));
    return;
  }
  clear(section);
  if (report.groups.length === 0) {
    section.append(el('p', { class: 'muted' }, 'no failures'));
    return;
  }
  for (const g of report.groups) {
    section.append(
      el(
        'div',
        { class: 'error-group', dataset: { category: g.category } },
        el('h3', {}, `${g.title} (${g.category}) — ${g.count} task${g.count === 1 ? '' : 's'}`),
        g.evidence ? el('pre', { class: 'evidence' }, g.evidence) : null,
        g.hint ? el('p', { class: 'hint' }, g.hint) : null,
        g.shared && Object.keys(g.shared).length > 0 ? el('p', {}, 'shared: ', JSON.stringify(g.shared)) : null,
        g.host ? el('p', {}, 'all on host ', g.host) : null,
        el('p', { class: 'muted' }, 'tasks: ', g.tasks.slice(0, 20).join(', '), g.tasks.length > 20 ? ` and ${g.tasks.length - 20} more` : ''),
      ),
    );
  }
  section.append(el('p', {}, 'run them again: ', el('code', {}, report.rerun)));
}

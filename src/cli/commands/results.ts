import { Command } from 'commander';
// the API's own files, not its index: this command loads only what results need
import { getSweepResultsJson, type SweepResults } from '../../api/sweep-results.js';
import { openProject } from '../../api/project.js';
import { bold, dim } from '../output.js';

// `hsm results [SWEEP_ID] [--sort KEY] [--desc] [--where EXPR] [--csv|--json]`: every task's params
// beside its metrics, as a table, CSV or JSON; the best task by the sweep file's `metric:`.
export function registerResults(program: Command): void {
  program
    .command('results')
    .description('params and metrics of every task, as a table, CSV or JSON (no id: the latest sweep)')
    .argument('[sweep_id]', 'sweep id, unique prefix, or sweep directory')
    .option('--sort <key>', 'sort by a metric or parameter (ascending; tasks without it last)')
    .option('--desc', 'with --sort: descending')
    .option('--where <expr>', "only tasks matching, e.g. 'lr>0.01, status=completed'")
    .option('--csv', 'CSV: name, status, one column per parameter, one per metric')
    .option('--json', 'the results document as JSON')
    .action(
      (
        id: string | undefined,
        flags: { sort?: string; desc?: boolean; where?: string; csv?: boolean; json?: boolean },
      ) => {
        const options = { sort: flags.sort, descending: flags.desc, where: flags.where };
        if (flags.json) {
          process.stdout.write(getSweepResultsJson(openProject(), id, options) + '\n');
          return;
        }
        // the store's document (filtered and sorted there), parsed: the same as getSweepResults gives
        const results = JSON.parse(getSweepResultsJson(openProject(), id, options)) as SweepResults;
        if (flags.csv) process.stdout.write(renderCsv(results));
        else process.stdout.write(renderTable(results));
      },
    );
}

// A metric column named like a parameter is written `metrics.<name>`.
function columns(r: SweepResults): { title: string; get: (t: SweepResults['tasks'][number]) => unknown }[] {
  return [
    { title: 'name', get: (t) => t.name },
    { title: 'status', get: (t) => t.status },
    ...r.param_keys.map((k) => ({ title: k, get: (t: SweepResults['tasks'][number]) => t.params[k] })),
    ...r.metric_keys.map((k) => ({
      title: r.param_keys.includes(k) ? `metrics.${k}` : k,
      get: (t: SweepResults['tasks'][number]) => t.metrics?.[k],
    })),
  ];
}

function cellText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function renderCsv(r: SweepResults): string {
  const cols = columns(r);
  const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const raw = (v: unknown) =>
    v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  const lines = [cols.map((c) => quote(c.title)).join(',')];
  for (const t of r.tasks) lines.push(cols.map((c) => quote(raw(c.get(t)))).join(','));
  return lines.join('\n') + '\n';
}

function renderTable(r: SweepResults): string {
  const out: string[] = [];
  const head = `sweep ${r.sweep_id}: ${r.tasks.length === r.total ? `${r.total} tasks` : `${r.tasks.length} of ${r.total} tasks`}`;
  out.push(head);
  if (r.metric) {
    out.push(
      r.best
        ? `best by ${r.metric.name} (${r.metric.goal}): ${bold(r.best.task)} ${r.metric.name}=${cellText(r.best.value)}`
        : dim(`no completed task reported ${r.metric.name} yet`),
    );
  }
  if (r.metric_keys.length === 0)
    out.push(
      dim('no task reported metrics (HSM_METRICS {json} lines on stdout, or $HSM_TASK_DIR/metrics.json)'),
    );
  out.push('');
  const cols = columns(r);
  const cells = r.tasks.map((t) => cols.map((c) => cellText(c.get(t))));
  // (no spread of every row into Math.max: a sweep has 100,000 of them)
  const widths = cols.map((c, i) =>
    Math.min(
      40,
      cells.reduce((w, row) => Math.max(w, row[i]!.length), c.title.length),
    ),
  );
  const fit = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  out.push(
    cols
      .map((c, i) => fit(c.title, widths[i]!))
      .join('  ')
      .trimEnd(),
  );
  for (const row of cells)
    out.push(
      row
        .map((s, i) => fit(s, widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  return out.join('\n') + '\n';
}

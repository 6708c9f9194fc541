import { resolve, join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, makeProject } from '../helpers/cli.js';
import { getSweepResults, openProject } from '../../src/api/index.js';
import { getSweepResultsJson } from '../../src/api/sweep-results.js';

// `hsm results --json` is written by the store from each task's recorded JSON text, --where and
// --sort applied in SQLite (100,000 tasks in a fraction of the time): it must be, byte for byte, the
// document the API's getSweepResults gives from the parsed rows, whatever the params and metrics
// hold, and read a task's directory when the store has no metrics recorded for it.

const KINDS = resolve(__dirname, '../fixtures/metrics/kinds.sh');

describe('hsm results --json from the store', () => {
  let dir: string;
  let id: string;
  const cliJson = () => {
    const r = hsm(['results', id, '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };
  const apiJson = () => JSON.stringify(getSweepResults(openProject(dir), id)) + '\n';

  beforeAll(() => {
    ensureBuilt();
    dir = makeProject(`name: kinds
command: ["sh", "${KINDS}", "{kind}"]
args: none
metric: {name: val.loss, goal: min}
sweep:
  grid:
    kind: [none, str, tie, nested, fail]
    label: ['a"b\\\\c', "ü ✓\\n", 7, {x: [1, null]}]
`);
    const run = hsm(['run', '--jobs', '2', '--json'], dir);
    expect(run.code, run.stderr).toBe(1); // the `fail` tasks
    id = (JSON.parse(run.stdout) as { sweep_id: string }).sweep_id;
  }, 60_000);

  it('is the API document byte for byte: odd params, no metrics, strings, nested values, ties, failures', () => {
    const text = cliJson();
    expect(text).toBe(apiJson());
    const r = JSON.parse(text) as {
      total: number;
      best: unknown;
      param_keys: string[];
      metric_keys: string[];
      tasks: { name: string; params: Record<string, unknown>; metrics: Record<string, unknown> | null }[];
    };
    expect(r.total).toBe(20);
    // a completed task's number wins; the first of equal values; "n/a" and the failed 0.01 do not count
    expect(r.best).toEqual({ task: 'task_009', value: 0.5 });
    expect(r.param_keys).toEqual(['kind', 'label']);
    expect(r.metric_keys).toEqual(['val.loss', 'note', 'ok', 'hist', 'z', 'late']);
    expect(r.tasks[0]).toEqual({
      name: 'task_001',
      status: 'completed',
      params: { kind: 'none', label: 'a"b\\\\c' },
      metrics: null,
    });
    expect(r.tasks[5]!.metrics).toEqual({ 'val.loss': 'n/a', note: 'say "hi" \\ ü ✓' });
    expect(r.tasks[3]!.params.label).toEqual({ x: [1, null] });
    expect(r.tasks[13]!.metrics).toEqual({ 'val.loss': 2, hist: [1, 2.5e-7, { a: null }], z: { k: 'ü' } });
  });

  // values of every JSON type under one key (numbers, text, true, objects, arrays, absent), so the
  // SQL order and comparisons are held to JavaScript's: numbers before text, absent last, ties in
  // task order, `=` on text and numbers, a key resolved against the tasks kept
  it('--where and --sort: the API document byte for byte, whatever the values compared', () => {
    const project = openProject(dir);
    // every task has its metrics in the store: the store's route is the one compared (not the rows')
    const db = new Database(join(dir, 'sweeps/outputs', id, 'sweep.db'), { readonly: true });
    expect(
      db
        .prepare(
          `SELECT COUNT(*) FROM tasks t LEFT JOIN task_metrics m ON m.task_idx = t.idx AND m.attempt = t.attempts
           WHERE m.metrics IS NULL`,
        )
        .pluck()
        .get(),
    ).toBe(0);
    db.close();
    const same = (options: { where?: string; sort?: string; descending?: boolean }) => {
      let expected: string;
      try {
        expected = JSON.stringify(getSweepResults(project, id, options));
      } catch (err) {
        expect(() => getSweepResultsJson(project, id, options)).toThrow((err as Error).message);
        return;
      }
      expect(getSweepResultsJson(project, id, options), JSON.stringify(options)).toBe(expected);
    };
    for (const sort of [
      'val.loss',
      'label',
      'ok',
      'hist',
      'z',
      'late',
      'name',
      'status',
      'kind',
      'metrics.label',
    ])
      for (const descending of [false, true]) same({ sort, descending });
    for (const where of [
      'val.loss>0.1',
      'val.loss<=2',
      'val.loss=n/a',
      'val.loss!=0.5',
      'label=7',
      'label!=7',
      'label>5',
      'label>a',
      'ok=true',
      'ok=1',
      'late=0',
      'kind>m',
      'status=completed',
      'status!=completed, val.loss<1',
      'name>=task_010',
      'hist=1',
      'note=null',
      'nothere>1',
    ])
      same({ where });
    same({ where: 'status=completed', sort: 'val.loss' });
    same({ where: 'kind=str', sort: 'val.loss', descending: true });
    same({ where: 'kind=none', sort: 'val.loss' }); // no task kept has it: the rows' answer (an error)
    same({ where: 'kind=none', sort: 'label', descending: true });
    same({ where: 'label>100', sort: 'kind' }); // no task kept
    // the command line takes the same route
    const cli = hsm(
      ['results', id, '--json', '--where', 'status=completed', '--sort', 'val.loss', '--desc'],
      dir,
    );
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toBe(
      JSON.stringify(
        getSweepResults(project, id, { where: 'status=completed', sort: 'val.loss', descending: true }),
      ) + '\n',
    );
  });

  it('a sweep created before the store kept its parameter names: read from the params, the same document', () => {
    const db = new Database(join(dir, 'sweeps/outputs', id, 'sweep.db'));
    expect(db.prepare(`SELECT value FROM meta WHERE key = 'param_keys'`).pluck().get()).toBe(
      '["kind","label"]',
    );
    // the names recorded with the tasks are the ones listed (no task's params are read for them)
    db.prepare(`UPDATE meta SET value = '["label","kind"]' WHERE key = 'param_keys'`).run();
    expect((JSON.parse(cliJson()) as { param_keys: string[] }).param_keys).toEqual(['label', 'kind']);
    db.prepare(`DELETE FROM meta WHERE key = 'param_keys'`).run();
    db.close();
    const text = cliJson();
    expect(text).toBe(apiJson());
    expect((JSON.parse(text) as { param_keys: string[] }).param_keys).toEqual(['kind', 'label']);
  });

  it('a task whose metrics the store lacks (an older hsm) is read from its directory, the same as the API', () => {
    const db = new Database(join(dir, 'sweeps/outputs', id, 'sweep.db'));
    db.prepare(
      `DELETE FROM task_metrics WHERE task_idx = (SELECT idx FROM tasks WHERE name = 'task_009')`,
    ).run();
    db.close();
    const text = cliJson();
    expect(text).toBe(apiJson());
    const r = JSON.parse(text) as { best: unknown; tasks: { metrics: unknown }[] };
    expect(r.tasks[8]!.metrics).toEqual({ 'val.loss': 0.5, ok: true });
    expect(r.best).toEqual({ task: 'task_009', value: 0.5 });
  });
});

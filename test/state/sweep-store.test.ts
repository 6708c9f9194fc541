import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TASK_MAPPING_HEADER } from '../../src/state/sweep-files.js';
import { makeSweep, makeTasks } from '../helpers/sweep-fixture.js';

// The store renders `hsm status --json` task rows itself (SQLite string building): the result must be
// valid JSON whatever the strings hold, keep params' types, and page through every task exactly once.

describe('SweepStore.statusJsonPages', () => {
  it('pages through every task, escapes hostile strings and keeps params as JSON', () => {
    const tasks = makeTasks(Array.from({ length: 7 }, (_, i) => ['echo', String(i)]));
    tasks[1]!.params = { s: 'a "quoted" \\ value\nwith newline', n: 1.5, b: true, z: null, l: [1, 'x'] };
    const { sweep } = makeSweep(tasks);
    sweep.store.apply([
      { kind: 'queued', task: 'task_002', attempt: 1, source: 'lo"cal', at: 1000 },
      {
        kind: 'finished',
        task: 'task_002',
        attempt: 1,
        status: 'failed',
        outcome: {
          exitCode: 3,
          signal: null,
          reason: 'failed',
          startedAt: 1000,
          endedAt: 2500,
          host: 'h\t1',
          detail: 'said "no"\n\u0001',
        },
      },
    ]);
    const pages = [...sweep.store.statusJsonPages(3)];
    expect(pages).toHaveLength(3);
    const rows = JSON.parse(`[${pages.join(',\n')}]`) as Record<string, unknown>[];
    expect(rows.map((r) => r.name)).toEqual(tasks.map((t) => t.name));
    expect(rows[1]).toEqual({
      name: 'task_002',
      key: 'key2',
      status: 'failed',
      source: 'lo"cal',
      attempts: 1,
      exit_code: 3,
      termination_reason: 'failed',
      signal: null,
      started_at_ms: 1000,
      ended_at_ms: 2500,
      host: 'h\t1',
      detail: 'said "no"\n\u0001',
      params: tasks[1]!.params,
    });
    expect(rows[0]).toMatchObject({
      status: 'pending',
      source: null,
      exit_code: null,
      started_at_ms: null,
      params: { i: 1 },
    });
  });

  it('summarises counts by status and source and the span of finished tasks', () => {
    const { sweep } = makeSweep(makeTasks([['a'], ['b'], ['c']]));
    sweep.store.apply([
      { kind: 'queued', task: 'task_001', attempt: 1, source: 'local', at: 10 },
      {
        kind: 'finished',
        task: 'task_001',
        attempt: 1,
        status: 'completed',
        outcome: {
          exitCode: 0,
          signal: null,
          reason: 'completed',
          startedAt: 100,
          endedAt: 400,
          host: 'h',
          detail: null,
        },
      },
      { kind: 'queued', task: 'task_002', attempt: 1, source: 'local', at: 10 },
    ]);
    const s = sweep.store.summary();
    expect(s.counts).toMatchObject({ completed: 1, queued: 1, pending: 1 });
    expect(s.bySource.local).toMatchObject({ completed: 1, queued: 1 });
    expect(s).toMatchObject({ finished: 1, firstStart: 100, lastEnd: 400 });
  });

  it('writes task_mapping.yaml that YAML reads back with the params and their types', () => {
    const tasks = makeTasks([['a'], ['b']]);
    tasks[0]!.params = { 'model.lr': 0.1, s: 'x: "y" # not a comment', n: null, yes: 'no' };
    const { sweep } = makeSweep(tasks);
    const doc = parse(TASK_MAPPING_HEADER + [...sweep.store.mappingYamlPages(1)].join('')) as {
      tasks: Record<string, { key: string; status: string; source: unknown; params: unknown }>;
    };
    expect(Object.keys(doc.tasks)).toEqual(['task_001', 'task_002']);
    expect(doc.tasks.task_001).toEqual({
      key: 'key1',
      status: 'pending',
      source: null,
      attempts: 0,
      params: tasks[0]!.params,
    });
  });
});

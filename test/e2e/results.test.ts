import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, makeProject } from '../helpers/cli.js';

// Tasks report metrics on stdout (HSM_METRICS lines, the last value of a key wins) and in metrics.json;
// `hsm results` shows them beside the params, sorted, filtered, as a table, CSV or JSON, with the best
// task by the sweep file's `metric:`.

const TRAIN = resolve(__dirname, '../fixtures/metrics/train.sh');

interface Results {
  total: number;
  metric: { name: string; goal: string } | null;
  best: { task: string; value: number } | null;
  tasks: {
    name: string;
    status: string;
    params: { lr: number; bs: number };
    metrics: Record<string, number> | null;
  }[];
}

describe('hsm results', () => {
  let dir: string;
  let id: string;
  const results = (...args: string[]) => {
    const r = hsm(['results', id, ...args], dir);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };

  beforeAll(() => {
    ensureBuilt();
    dir = makeProject(`name: metrics
command: ["sh", "${TRAIN}", "{lr}", "{bs}"]
args: none
metric: {name: loss, goal: min}
sweep:
  grid:
    lr: [0.1, 0.01, 0.5]
    bs: [32, 64]
`);
    const run = hsm(['run', '--jobs', '2', '--json'], dir);
    expect(run.code, run.stderr).toBe(1); // task_006 fails
    id = (JSON.parse(run.stdout) as { sweep_id: string }).sweep_id;
  }, 60_000);

  it('--json: every task with its params and metrics, the last value of each key, metrics.json merged', () => {
    const r = JSON.parse(results('--json')) as Results;
    expect(r.total).toBe(6);
    expect(r.metric).toEqual({ name: 'loss', goal: 'min' });
    expect(r.best).toEqual({ task: 'task_004', value: 0.15625 });
    expect(r.tasks[0]).toEqual({
      name: 'task_001',
      status: 'completed',
      params: { lr: 0.1, bs: 32 },
      metrics: { loss: 3.125, epoch: 2 },
    });
    expect(r.tasks[1]!.metrics).toEqual({ loss: 1.5625, epoch: 2, acc: 0.9 });
    expect(r.tasks[5]).toMatchObject({
      name: 'task_006',
      status: 'failed',
      metrics: { loss: 7.8125, acc: 0.5 },
    });
  });

  it('--sort and --where', () => {
    const sorted = JSON.parse(results('--sort', 'loss', '--json')) as Results;
    expect(sorted.tasks.map((t) => t.name)).toEqual([
      'task_004',
      'task_003',
      'task_002',
      'task_001',
      'task_006',
      'task_005',
    ]);
    const desc = JSON.parse(results('--sort', 'acc', '--desc', '--json')) as Results;
    expect(desc.tasks.map((t) => t.name)).toEqual([
      'task_004',
      'task_002',
      'task_006',
      'task_001',
      'task_003',
      'task_005',
    ]);
    const where = JSON.parse(results('--where', 'lr>0.01, status=completed', '--json')) as Results;
    expect(where.tasks.map((t) => t.name)).toEqual(['task_001', 'task_002', 'task_005']);
    expect(where.total).toBe(6);
    const bad = hsm(['results', id, '--where', 'lrr>1'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('no task has a metric or parameter named "lrr"');
    const malformed = hsm(['results', id, '--where', 'lr >> 1'], dir);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('is not KEY OP VALUE');
  });

  it('--csv and the table', () => {
    const csv = results('--csv', '--sort', 'loss').trim().split('\n');
    expect(csv[0]).toBe('name,status,lr,bs,loss,epoch,acc');
    expect(csv[1]).toBe('task_004,completed,0.01,64,0.15625,2,0.99');
    const table = results();
    expect(table).toMatch(/best by loss \(min\): task_004 loss=0.15625/);
    expect(table).toMatch(/task_002\s+completed\s+0.1\s+64\s+1.5625\s+2\s+0.9/);
  });

  it('a bad metric in the sweep file is refused at its line', () => {
    const d = makeProject(`command: ["true"]
metric: {name: loss, goal: lowest}
sweep: {grid: {a: [1]}}
`);
    const r = hsm(['validate'], d);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/sweep.yaml:2:\d+.*`metric.goal` must be min or max, got "lowest"/);
  });
});

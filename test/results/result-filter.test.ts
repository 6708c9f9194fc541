import { describe, expect, it } from 'vitest';
import {
  filterRows,
  findBest,
  parseWhere,
  sortRows,
  type ResultRow,
} from '../../src/results/result-filter.js';

const rows: ResultRow[] = [
  {
    name: 'task_001',
    status: 'completed',
    params: { lr: 0.1, opt: 'adam', loss: 'l2' },
    metrics: { loss: 0.5 },
  },
  {
    name: 'task_002',
    status: 'completed',
    params: { lr: 0.01, opt: 'sgd', loss: 'l1' },
    metrics: { loss: 0.2 },
  },
  {
    name: 'task_003',
    status: 'failed',
    params: { lr: 0.001, opt: 'adam', loss: 'l2' },
    metrics: { loss: 0.1 },
  },
  { name: 'task_004', status: 'completed', params: { lr: 1, opt: 'sgd', loss: 'l1' }, metrics: null },
];
const names = (rs: ResultRow[]) => rs.map((r) => r.name);

describe('--where', () => {
  it('joins conditions with commas, && or and; compares numbers as numbers and strings as text', () => {
    expect(parseWhere('lr>0.01, opt=adam && status == completed and loss<=1')).toEqual([
      { key: 'lr', op: '>', value: 0.01 },
      { key: 'opt', op: '=', value: 'adam' },
      { key: 'status', op: '=', value: 'completed' },
      { key: 'loss', op: '<=', value: 1 },
    ]);
    expect(names(filterRows(rows, parseWhere('lr>=0.01')))).toEqual(['task_001', 'task_002', 'task_004']);
    expect(names(filterRows(rows, parseWhere("opt!='adam'")))).toEqual(['task_002', 'task_004']);
  });
  it('a key both a metric and a parameter is the metric; params.x and metrics.x choose', () => {
    expect(names(filterRows(rows, parseWhere('loss<0.3')))).toEqual(['task_002', 'task_003']);
    expect(names(filterRows(rows, parseWhere('params.loss=l1')))).toEqual(['task_002', 'task_004']);
  });
  it('refuses what it cannot read, with the form it expects', () => {
    expect(() => parseWhere('lr')).toThrow(/"lr" is not KEY OP VALUE/);
    expect(() => parseWhere('lr=<1')).toThrow(/not KEY OP VALUE/);
    expect(() => filterRows(rows, parseWhere('momentum>1'))).toThrow(
      /no task has a metric or parameter named "momentum"/,
    );
  });
});

describe('--sort and the best task', () => {
  it('sorts ascending or descending, tasks without the key last either way', () => {
    expect(names(sortRows([...rows], 'loss'))).toEqual(['task_003', 'task_002', 'task_001', 'task_004']);
    expect(names(sortRows([...rows], 'loss', true))).toEqual([
      'task_001',
      'task_002',
      'task_003',
      'task_004',
    ]);
    expect(names(sortRows([...rows], 'opt'))).toEqual(['task_001', 'task_003', 'task_002', 'task_004']);
  });
  it('the best is a completed task: a failed one with a better value does not count', () => {
    expect(findBest(rows, { name: 'loss', goal: 'min' })).toEqual({ task: 'task_002', value: 0.2 });
    expect(findBest(rows, { name: 'loss', goal: 'max' })).toEqual({ task: 'task_001', value: 0.5 });
    expect(findBest(rows, { name: 'acc', goal: 'max' })).toBeNull();
  });
});

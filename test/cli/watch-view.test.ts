import { describe, expect, it } from 'vitest';
import type { WatchSnapshot } from '../../src/api/index.js';
import type { Painter } from '../../src/cli/output.js';
import { elapsed, watchFrame, watchLine } from '../../src/cli/watch-view.js';

// The watch frame fits the terminal it is drawn on (a line that wraps would break the redraw in
// place), and what a task printed cannot drive that terminal.

const plain = (t: string) => t;
const paint: Painter = { green: plain, red: plain, yellow: plain, dim: plain, bold: plain };
const counts = (c: Partial<Record<string, number>>) => ({
  pending: 0,
  queued: 0,
  running: 0,
  completed: 0,
  failed: 0,
  cancelled: 0,
  lost: 0,
  ...c,
});

function snapshot(running: number): WatchSnapshot {
  const now = Date.parse('2026-01-01T12:00:00Z');
  return {
    status: {
      sweep_id: 'lr_20260101_120000',
      sweep_dir: '/x',
      total: 100,
      counts: counts({ running, completed: 10, failed: 1, pending: 89 - running }),
      sources: { local: counts({ running, completed: 10, failed: 1 }) },
      running_pid: 42,
      eta_seconds: 3725,
    },
    now_ms: now,
    running_total: running,
    running: Array.from({ length: running }, (_, i) => ({
      name: `task_${String(i + 1).padStart(3, '0')}`,
      source: 'local',
      host: 'vm',
      attempts: 1,
      elapsed_ms: 65_000 + i,
    })),
    recent_failures: [
      {
        name: 'task_099',
        status: 'failed',
        source: 'local',
        host: 'vm',
        category: 'python_exception',
        evidence: `ValueError: \x1b[2J\x1b]0;owned\x07 ${'x'.repeat(300)}`,
        ended_at_ms: now - 12_000,
      },
    ],
    left: false,
    ended: false,
  };
}

describe('watch view', () => {
  it('fits the terminal: no more lines than rows - 1, none wider than columns - 1, the running tasks cut with a count', () => {
    const lines = watchFrame(snapshot(50), { columns: 60, rows: 15 }, paint);
    expect(lines.length).toBeLessThanOrEqual(14);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(59);
    expect(lines.join('\n')).toMatch(/\.\.\. and \d+ more/);
    expect(lines.join('\n')).toContain('ETA 1:02:05');
    expect(lines.join('\n')).toContain('task_001      1:05  local@vm');
  });

  it('shows a failure with its category, control characters escaped', () => {
    const text = watchFrame(snapshot(1), { columns: 200, rows: 40 }, paint).join('\n');
    expect(text).toContain('task_099 failed [python_exception] ValueError: ^[[2J^[]0;owned^G');
    expect(text).not.toMatch(/[\x07\x1b]/);
  });

  it('a plain line for logs', () => {
    expect(watchLine(snapshot(2))).toMatch(
      /^\d\d:\d\d:\d\d lr_20260101_120000: 11\/100 done \(10 completed, 1 failed, 2 running, 87 pending\); running: local 2, ETA 1:02:05$/,
    );
    expect([elapsed(7_000), elapsed(723_000), elapsed(3_723_000)]).toEqual(['0:07', '12:03', '1:02:03']);
  });
});

describe('watch view of a sweep left on a scheduler', () => {
  it('says the jobs go on without an hsm process, and that the watch follows them', () => {
    const s = { ...snapshot(1), left: true, status: { ...snapshot(1).status, running_pid: null } };
    expect(watchFrame(s, { columns: 120, rows: 30 }, paint)[0]).toContain(
      'left on the scheduler (no hsm process: followed here)',
    );
    expect(watchLine(s)).toMatch(/; left on the scheduler$/);
  });
});

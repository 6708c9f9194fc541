import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, makeProject } from '../helpers/cli.js';

beforeAll(() => ensureBuilt());

describe('hsm status', () => {
  it('--json and --watch --json give every task row the same fields', () => {
    const dir = makeProject(
      'command: ["sh", "-c", "exit $0", "{code}"]\nargs: none\nsweep:\n  grid:\n    code: [0, 3]\n',
    );
    expect(hsm(['run', '--sweep-id', 's1'], dir).code).toBe(1);
    const once = hsm(['status', 's1', '--json'], dir);
    const watched = hsm(['status', 's1', '--watch', '--json'], dir); // done: one document, then exits
    expect(once.code, once.stderr).toBe(0);
    expect(watched.code, watched.stderr).toBe(0);
    const a = JSON.parse(once.stdout) as { tasks: Record<string, unknown>[] };
    const lines = watched.stdout.trim().split('\n');
    expect(lines).toHaveLength(1); // one document a refresh, one per line
    const b = JSON.parse(lines[0]!) as { tasks: Record<string, unknown>[] };
    expect(b.tasks).toEqual(a.tasks);
    expect(Object.keys(a.tasks[1]!)).toEqual(
      expect.arrayContaining(['name', 'key', 'status', 'exit_code', 'termination_reason', 'params']),
    );
    expect(a.tasks[1]).toMatchObject({
      name: 'task_002',
      status: 'failed',
      exit_code: 3,
      params: { code: 3 },
    });
    const { tasks: _a, ...headA } = a;
    const { tasks: _b, ...headB } = b;
    expect(Object.keys(headB).sort()).toEqual(Object.keys(headA).sort());
  });

  it('the text lists a failed task with its exit code once, and a timeout with its reason', () => {
    const dir = makeProject(
      'command: ["sh", "-c", "[ $0 = 1 ] && sleep 30; exit $0", "{code}"]\nargs: none\nsweep:\n  grid:\n    code: [1, 3]\n',
    );
    expect(hsm(['run', '--sweep-id', 's2', '--timeout', '1s'], dir).code).toBe(1);
    const text = hsm(['status', 's2'], dir);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^ {2}task_002 {2}failed {4}attempt 1, exit 3$/m);
    expect(text.stdout).toMatch(/^ {2}task_001 .*timed out after 1s/m);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, makeProject } from '../helpers/cli.js';

// `hsm status --json` while a sweep runs: the counts and the task rows are one snapshot of the store,
// so they agree however fast tasks change state.

const TASKS = 1500;

beforeAll(() => ensureBuilt());

describe('status --json during a run', () => {
  it('counts agree with the rows in every document', async () => {
    const dir = makeProject(
      `command: ["true"]\nargs: none\nsweep:\n  grid:\n    i: [${Array.from({ length: TASKS }, (_, i) => i).join(', ')}]\n`,
    );
    const run = hsmAsync(['run', '--jobs', '4', '--sweep-id', 'snap'], dir);
    let running = true;
    run.on('exit', () => (running = false));
    let seen = 0;
    let midRun = 0;
    while (running || seen === 0) {
      await new Promise((res) => setTimeout(res, 20)); // lets the run's exit be seen
      const r = hsm(['status', 'snap', '--json'], dir);
      if (r.code !== 0) {
        expect(r.stderr).toMatch(/no sweep matches|no sweeps/); // not created yet
        continue;
      }
      const doc = JSON.parse(r.stdout) as {
        total: number;
        counts: Record<string, number>;
        tasks: { status: string }[];
      };
      const fromRows: Record<string, number> = {};
      for (const t of doc.tasks) fromRows[t.status] = (fromRows[t.status] ?? 0) + 1;
      for (const [status, n] of Object.entries(doc.counts)) expect(fromRows[status] ?? 0, status).toBe(n);
      expect(doc.tasks).toHaveLength(doc.total);
      seen++;
      if (doc.counts.completed! > 0 && doc.counts.completed! < TASKS) midRun++;
    }
    expect(seen).toBeGreaterThan(0);
    // it proved something only if some documents were read while tasks were finishing
    expect(midRun, 'documents read mid-run').toBeGreaterThan(0);
  });
});

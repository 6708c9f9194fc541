import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, makeProject } from '../helpers/cli.js';

// A project directory renamed between `hsm run` and `hsm complete`: the tasks that run later run in
// the project where it is now (not the recorded path that is gone), and hsm says the root moved.

beforeAll(() => ensureBuilt());

describe('project moved between run and complete', () => {
  it('complete runs the remaining tasks in the moved project and says it moved', () => {
    const dir = makeProject(`name: moved
command: ["sh", "-c", "(test {i} = 1 || test -e go) && pwd > where_{i}"]
args: none
sweep:
  grid:
    i: [1, 2, 3]
`);
    const first = hsm(['run', '--jobs', '1', '--sweep-id', 'mv_1'], dir);
    expect(first.code, first.stderr).toBe(1); // task 1 completed, 2 and 3 failed (no `go` yet)
    const moved = join(dirname(dir), `${dir.split('/').pop()}-renamed`);
    renameSync(dir, moved);
    writeFileSync(join(moved, 'go'), '');

    const done = hsm(['complete', 'mv_1', '--retry-failed', '--json'], moved);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain(`project moved: ${dir} -> ${moved}`);
    const status = JSON.parse(done.stdout) as { counts: Record<string, number> };
    expect(status.counts.completed).toBe(3);
    expect(readFileSync(join(moved, 'where_2'), 'utf8').trim()).toBe(moved);
    expect(existsSync(dir)).toBe(false);
    const meta = readFileSync(join(moved, 'sweeps', 'outputs', 'mv_1', 'sweep_metadata.yaml'), 'utf8');
    expect(meta).toContain(`project_root: ${moved}`);
  });
});

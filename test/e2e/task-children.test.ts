import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { isProcessAlive, readProcessCommandLine } from '../../src/process/process-liveness.js';
import { until } from '../helpers/wait.js';

// What a task starts is killed when the task ends, times out or is cancelled: a background child
// (`sleep 300 &`) and a child that left the task's session (`setsid`). Each task writes its children's
// pids to kids_<i>; once hsm has recorded the task, they must be gone (a kill takes a moment to land,
// so the test waits for it, with a deadline).

beforeAll(() => ensureBuilt());

const LEAVE_CHILDREN = 'sleep 300 & a=$!; setsid sleep 301 & b=$!; echo $a $b > kids_{i}';

function project(tail: string): string {
  return makeProject(`name: kids
command: ["sh", "-c", "${LEAVE_CHILDREN}; ${tail}"]
args: none
sweep:
  grid:
    i: [1, 2]
`);
}

function kids(dir: string): number[] {
  return [1, 2].flatMap((i) =>
    readFileSync(join(dir, `kids_${i}`), 'utf8')
      .trim()
      .split(' ')
      .map(Number),
  );
}

// a failing run must not leave 300 s sleeps behind on a shared machine
const seen: number[] = [];
afterEach(() => {
  // only what is still ours: pids are reused quickly (pid_max may be 32768)
  for (const pid of seen.splice(0))
    if (isProcessAlive(pid) && /^sleep 30/.test(readProcessCommandLine(pid) ?? ''))
      process.kill(pid, 'SIGKILL');
});

async function expectAllGone(pids: number[]): Promise<void> {
  seen.push(...pids);
  await until('the children to be gone', () => !pids.some(isProcessAlive), 20_000, 20).catch(() => {});
  expect(pids.filter(isProcessAlive), 'children still alive').toEqual([]);
}

describe('children a task leaves behind', () => {
  it('are killed when the task ends', async () => {
    const dir = project('exit 0');
    const r = hsm(['run', '--jobs', '2'], dir);
    expect(r.code, r.stderr).toBe(0);
    await expectAllGone(kids(dir));
  });

  it('are killed when the task times out', async () => {
    const dir = project('sleep 300');
    const r = hsm(['run', '--jobs', '2', '--timeout', '1s'], dir);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('timed out');
    await expectAllGone(kids(dir));
  });

  it('are killed when the run is cancelled (Ctrl-C)', async () => {
    const dir = project('sleep 300');
    const child = hsmAsync(['run', '--jobs', '2', '--sweep-id', 'kids_c'], dir);
    await until('four children written', () => kids(dir).length === 4, 60_000, 20);
    child.kill('SIGINT');
    const exit = await waitForExit(child);
    expect(exit.code).toBe(130);
    await expectAllGone(kids(dir));
  });
});

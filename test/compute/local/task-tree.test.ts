import { spawn, type ChildProcess } from 'node:child_process';
import { rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signalTaskTree, TaskCgroups } from '../../../src/compute/local/task-tree.js';

// A timeout that fires just as a task ends must not reach the next task its runner started: the
// cgroup's members are read before the task's exit record is checked (the runner writes that record
// before it starts its next task), and nothing is signalled once the task has ended.
// Needs a writable cgroup v2, as root here and in CI; without one hsm has process groups only.
const cgroups = TaskCgroups.create();

function inCgroup(cg: string): ChildProcess {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  writeFileSync(join(cg, 'cgroup.procs'), String(child.pid));
  return child;
}
const ended = (c: ChildProcess) =>
  new Promise<NodeJS.Signals | null>((r) => c.once('exit', (_code, sig) => r(sig)));

describe.skipIf(cgroups === null)('signalTaskTree and a task that has ended', () => {
  const cg = cgroups?.prepare() ?? '';
  afterAll(() => {
    try {
      rmdirSync(cg);
    } catch {
      /* a process still in it is being reaped */
    }
    cgroups?.sweep(true);
  });

  it('signals nothing once the exit record is written', async () => {
    const a = inCgroup(cg);
    const gone = ended(a);
    signalTaskTree(null, cg, 'SIGKILL', [], () => true);
    signalTaskTree(null, cg, 'SIGTERM', [], () => false);
    expect(await gone).toBe('SIGTERM'); // the SIGKILL of the ended task was never sent
  });

  it('spares a process that joined the cgroup after its members were read (the next task)', async () => {
    const a = inCgroup(cg);
    let next: ChildProcess | undefined;
    const aGone = ended(a);
    signalTaskTree(null, cg, 'SIGKILL', [], () => {
      next = inCgroup(cg); // the runner starting its next task right after the check
      return false;
    });
    expect(await aGone).toBe('SIGKILL');
    expect(next!.exitCode).toBeNull();
    const nextGone = ended(next!);
    expect(next!.kill('SIGTERM')).toBe(true);
    expect(await nextGone).toBe('SIGTERM');
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  killStrays,
  runnerMarker,
  signalTaskTree,
  strayProcesses,
  TaskCgroups,
} from '../../../src/compute/local/task-tree.js';
import { isProcessAlive, readProcessCommandLine } from '../../../src/process/process-liveness.js';
import { until } from '../../helpers/wait.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

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

// What a dead runner left: processes carrying the sweep's runner marker in a session whose leader (the
// runner: every runner leads its own session) is gone. A live runner's tasks are not strays, nor are
// another sweep's (a marker is matched whole, not as a prefix).
describe('strayProcesses and killStrays', () => {
  const pids: number[] = [];
  afterEach(() => {
    for (const p of pids.splice(0))
      if (isProcessAlive(p) && /sleep 300/.test(readProcessCommandLine(p) ?? '')) process.kill(p, 'SIGKILL');
  });

  // A session led by `sh`, which starts `sleep 300` and then exits (a runner killed after its fork) or
  // waits for it (a live runner); returns the sleep's pid.
  async function session(sweepDir: string, leaderDies: boolean): Promise<number> {
    const dir = makeTempDir('hsm-stray-');
    const script = `sleep 300 & echo $! > ${dir}/pid; ${leaderDies ? 'exit 0' : 'wait'}`;
    const leader = spawn('sh', ['-c', script], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, HSM_RUNNER_SWEEP: sweepDir },
    });
    leader.unref();
    const pid = await until('the sleep to start', () => {
      try {
        return Number(readFileSync(join(dir, 'pid'), 'utf8')) || null;
      } catch {
        return null;
      }
    });
    pids.push(pid, leader.pid!);
    if (leaderDies) await until('the leader to be gone', () => !isProcessAlive(leader.pid!));
    return pid;
  }

  it('finds and kills what a dead leader left, and only that', async () => {
    const stray = await session('/sweeps/a', true);
    const owned = await session('/sweeps/a', false);
    const other = await session('/sweeps/a/b', true);
    expect(strayProcesses(runnerMarker('/sweeps/a'))).toEqual([stray]);
    const killed = await killStrays(runnerMarker('/sweeps/a'));
    expect(killed.map((p) => p.pid)).toEqual([stray]);
    await until('the stray to be gone', () => !isProcessAlive(stray));
    expect([owned, other].filter(isProcessAlive)).toEqual([owned, other]);
  });
});

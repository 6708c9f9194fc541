import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalAdoption } from '../../../src/compute/local/local-adoption.js';
import { findRunnerScript } from '../../../src/compute/local/runner-path.js';
import { markedRunners, runnerMarker } from '../../../src/compute/local/task-tree.js';
import { isProcessAlive, readProcessCommandLine } from '../../../src/process/process-liveness.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { until } from '../../helpers/wait.js';

// hsm complete waits for the runners a dead hsm left (they finish their task and record its exit) and
// says "never started" only once they are gone. Their pids are recorded in the store, but a write can
// fail (a full disk): the runners are also found by the sweep's marker, as the session leaders
// running the runner script that carry it. Runners of another sweep, and this process's own, are not.

const feeders: ChildProcess[] = [];
const runners: number[] = [];
afterEach(() => {
  for (const p of runners.splice(0))
    if (isProcessAlive(p) && /hsm-runner\.sh serve/.test(readProcessCommandLine(p) ?? ''))
      process.kill(p, 'SIGKILL');
  for (const f of feeders.splice(0))
    try {
      process.kill(-f.pid!, 'SIGKILL'); // the feeder's group: its shell and sleeps
    } catch {
      /* gone */
    }
});

// A runner of `sweepDir` whose hsm is gone: not this process's child, its own session, input open.
async function orphanRunner(sweepDir: string): Promise<number> {
  const cwd = makeTempDir('hsm-adopt-');
  const feeder = spawn('sh', ['-c', `sleep 60 | setsid -f bash ${findRunnerScript()} serve; sleep 60`], {
    cwd,
    stdio: 'ignore',
    detached: true,
    env: { ...process.env, HSM_RUNNER_SWEEP: sweepDir },
  });
  feeders.push(feeder);
  const pid = await until('the runner to start', () =>
    markedRunners(runnerMarker(sweepDir)).find((p) => p !== undefined),
  );
  runners.push(pid);
  return pid;
}

describe('LocalAdoption: the runners of a dead hsm', () => {
  it('are found by the sweep marker when their pids were not recorded', async () => {
    const runner = await orphanRunner('/sweeps/adopt_a');
    await orphanRunner('/sweeps/adopt_b');
    const adoption = new LocalAdoption();
    adoption.adopt([], [], runnerMarker('/sweeps/adopt_a'));
    expect(adoption.liveRunners()).toEqual([runner]);
  });

  it("never counts this process's own runners", async () => {
    const own = spawn('bash', [findRunnerScript(), 'serve'], {
      cwd: makeTempDir('hsm-adopt-'),
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
      env: { ...process.env, HSM_RUNNER_SWEEP: '/sweeps/adopt_c' },
    });
    feeders.push(own);
    await until('the own runner to run', () => /hsm-runner/.test(readProcessCommandLine(own.pid!) ?? ''));
    expect(markedRunners(runnerMarker('/sweeps/adopt_c'))).toEqual([]);
  });
});

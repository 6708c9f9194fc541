import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findRunnerScript } from '../../../src/compute/local/runner-path.js';
import { isProcessAlive } from '../../../src/process/process-liveness.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { until } from '../../helpers/wait.js';

// `hsm-runner.sh kill SIGNAL ATTEMPT DIR` (how hsm stops a task on an ssh or session host: TERM,
// then KILL after the grace) signals the process group its started record names. Once the task has
// ended, that group is gone (the runner kills what the task left before writing the exit record) and
// its id may name another process group since: a KILL sent after the grace to a task that ended
// meanwhile must reach nothing.

const strangers: ChildProcess[] = [];
afterEach(() => {
  for (const c of strangers.splice(0)) c.kill('SIGKILL');
});

// A process group of its own (a pid the task's group id could have been reused for).
function stranger(): number {
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  strangers.push(child);
  return child.pid!;
}

function taskDir(records: { started: string; exit?: string }): string {
  const dir = join(makeTempDir('hsm-runner-kill-'), 'task_001');
  mkdirSync(dir);
  writeFileSync(join(dir, 'started'), records.started);
  writeFileSync(join(dir, 'exit'), records.exit ?? 'attempt=1\n'); // the reservation: not a record
  return dir;
}

function runnerKill(signal: string, dir: string): void {
  const r = spawnSync('sh', [findRunnerScript(), 'kill', signal, '1', dir], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

describe('hsm-runner.sh kill', () => {
  it('signals the process group of a task that has not ended', async () => {
    const pgid = stranger();
    runnerKill('TERM', taskDir({ started: `attempt=1 pid=${pgid} host=h\n` }));
    await until('the group to be signalled', () => !isProcessAlive(pgid));
  });

  it('signals nothing for a task whose exit record is written (its group id may be reused)', () => {
    const pgid = stranger();
    const dir = taskDir({ started: `attempt=1 pid=${pgid} host=h\n`, exit: 'attempt=1 exit=143\n' });
    runnerKill('KILL', dir);
    runnerKill('TERM', dir);
    expect(isProcessAlive(pgid)).toBe(true);
  });
});

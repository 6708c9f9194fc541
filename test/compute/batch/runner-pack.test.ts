import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRunnerScript } from '../../../src/compute/local/runner-path.js';
import { isProcessAlive } from '../../../src/process/process-liveness.js';
import { childrenOf } from '../../../src/process/process-tree.js';
import { readExitRecord, readStartedRecord } from '../../../src/process/task-records.js';
import { until } from '../../helpers/wait.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// The runner inside a batch job (`hsm-runner.sh run`) working through the tasks packed into one
// allocation: real bash, real processes. Each task keeps its own records and exit code; one task is
// stopped alone (its `kill.<attempt>` marker) while the others run; a withdrawn one is skipped.

function taskDir(root: string, name: string, command: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'command.sh'), `exec sh -c ${JSON.stringify(command)}\n`);
  return dir;
}

function runJob(root: string, args: string[], output?: { text: string }): Promise<number | null> {
  const child = spawn('bash', [findRunnerScript(), 'run', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const s of [child.stdout, child.stderr]) s.on('data', (d: Buffer) => output && (output.text += d));
  return new Promise((r) => child.on('close', (code) => r(code)));
}

describe('hsm-runner.sh run with several tasks (packing)', () => {
  it('runs them in turn, each with its own records, output and exit code', async () => {
    const root = makeTempDir('hsm-pack-');
    const a = taskDir(root, 'task_001', 'echo one; exit 0');
    const b = taskDir(root, 'task_002', 'echo two >&2; exit 3');
    const c = taskDir(root, 'task_003', 'echo three');
    const output = { text: '' };
    const code = await runJob(root, ['1', 'task_001', '2', 'task_002', '1', 'task_003'], output);
    expect(code).toBe(3); // the element reports the failure; each task has its own code
    // the job's own output (the scheduler's file) holds nothing of the runner's: no job-control notices
    expect(output.text).toBe('');
    expect(readExitRecord(join(a, 'exit'), 1)?.exit).toBe(0);
    expect(readExitRecord(join(b, 'exit'), 2)?.exit).toBe(3);
    expect(readExitRecord(join(c, 'exit'), 1)?.exit).toBe(0);
    expect(readFileSync(join(a, 'stdout.log'), 'utf8')).toBe('one\n');
    expect(readFileSync(join(b, 'stderr.log'), 'utf8')).toBe('two\n');
    const pids = [a, c].map((d) => readStartedRecord(join(d, 'started'), 1)!.pid);
    expect(pids[0]).not.toBe(pids[1]);
  });

  it('stops one task alone on its kill marker (TERM, KILL after the grace) and goes on', async () => {
    const root = makeTempDir('hsm-pack-');
    const a = taskDir(root, 'task_001', 'exit 0');
    // ignores TERM: only the KILL after the grace ends it
    const b = taskDir(root, 'task_002', "trap '' TERM; sleep 60 & wait; sleep 60");
    const c = taskDir(root, 'task_003', 'echo after');
    const job = runJob(root, ['1', 'task_001', '1', 'task_002', '1', 'task_003']);
    await until('task_002 to start', () => readStartedRecord(join(b, 'started'), 1) !== null);
    const t0 = Date.now();
    writeFileSync(join(b, 'kill.1'), '1');
    expect(await job).toBe(137);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(readExitRecord(join(a, 'exit'), 1)?.exit).toBe(0);
    expect(readExitRecord(join(b, 'exit'), 1)?.exit).toBe(137);
    expect(readExitRecord(join(c, 'exit'), 1)?.exit).toBe(0);
    expect(readFileSync(join(c, 'stdout.log'), 'utf8')).toBe('after\n');
  });

  it('leaves no kill watcher behind when the runner is killed -9 (a lost element)', async () => {
    const root = makeTempDir('hsm-pack-');
    const a = taskDir(root, 'task_001', 'sleep 60');
    taskDir(root, 'task_002', 'exit 0');
    const runner = spawn('bash', [findRunnerScript(), 'run', '1', 'task_001', '1', 'task_002'], {
      cwd: root,
      stdio: 'ignore',
    });
    const task = await until('task_001 to start', () => readStartedRecord(join(a, 'started'), 1)?.pid);
    let watchers: number[] = [];
    try {
      // the runner's children: the task and the watcher of kill markers
      watchers = await until('the watcher to be forked', () => {
        const w = childrenOf(runner.pid!).filter((p) => p !== task);
        return w.length === 1 ? w : undefined;
      });
      process.kill(runner.pid!, 'SIGKILL');
      await until('the watcher to end with its runner', () => !isProcessAlive(watchers[0]!), 15_000);
    } finally {
      process.kill(-task, 'SIGKILL'); // the task's group (it leads one)
      for (const pid of watchers.filter(isProcessAlive)) process.kill(pid, 'SIGKILL');
    }
  });

  it('skips a withdrawn task: no records, never started', async () => {
    const root = makeTempDir('hsm-pack-');
    const a = taskDir(root, 'task_001', `touch ${JSON.stringify(join(root, 'ran'))}`);
    const b = taskDir(root, 'task_002', 'exit 0');
    writeFileSync(join(a, 'withdrawn.2'), '');
    expect(await runJob(root, ['2', 'task_001', '1', 'task_002'])).toBe(0);
    expect(existsSync(join(a, 'started'))).toBe(false);
    expect(existsSync(join(root, 'ran'))).toBe(false);
    expect(readExitRecord(join(b, 'exit'), 1)?.exit).toBe(0);
  });
});

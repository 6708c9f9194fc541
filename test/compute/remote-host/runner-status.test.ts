import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findRunnerScript } from '../../../src/compute/local/runner-path.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// `hsm-runner.sh status ATTEMPT DIR` (how hsm follows a task on an ssh or session host, adopted ones
// included) says `run` while the process its started record names is alive. A host that restarted
// gives pids out again from the bottom: a record written before the boot may name a live process
// that is another one, and the task (gone with the old boot) must read `gone`, or `hsm complete`
// follows it for ever. No reboot happens here: the record is dated before this machine's boot.

const strangers: ChildProcess[] = [];
afterEach(() => {
  for (const c of strangers.splice(0)) c.kill('SIGKILL');
});

function bootTime(): number {
  return Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]);
}

// A sweep's task root with one task whose started record names a live process of this user.
function runningTask(): { tasks: string; pid: number } {
  const tasks = join(makeTempDir('hsm-runner-status-'), 'tasks');
  mkdirSync(join(tasks, 'task_001'), { recursive: true });
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  strangers.push(child);
  writeFileSync(join(tasks, 'task_001', 'started'), `attempt=1 pid=${child.pid} host=h\n`);
  return { tasks, pid: child.pid! };
}

function status(tasks: string): string {
  const r = spawnSync('sh', [findRunnerScript(), 'status', '1', 'task_001'], {
    cwd: tasks,
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n')[0]!;
}

describe('hsm-runner.sh status', () => {
  it('a task whose process is alive runs', () => {
    const { tasks, pid } = runningTask();
    expect(status(tasks)).toBe(`T task_001 1 run ${pid} -`);
  });

  it('a record written before the host booted names another process: the task is gone', () => {
    const { tasks, pid } = runningTask();
    const before = bootTime() - 60;
    utimesSync(join(tasks, 'task_001', 'started'), before, before);
    expect(status(tasks)).toBe(`T task_001 1 gone ${pid} -`);
    // and a task started since the boot, in the same sweep, still runs
    writeFileSync(join(tasks, 'task_001', 'started'), `attempt=1 pid=${pid} host=h\n`);
    expect(status(tasks)).toBe(`T task_001 1 run ${pid} -`);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { SourceLog } from '../../engine/log-port.js';
import { RUNNER_SWEEP_VAR } from './task-tree.js';

// One runner of the local source: runner/hsm-runner.sh in `serve` mode, a long-lived shell that reads
// `RUN` lines on stdin and runs those tasks one after the other. Detached (own session): Ctrl-C in the
// terminal reaches hsm only, and a kill -9 of hsm leaves it running to record how its tasks ended.

/** A task handed to a runner and not ended yet. */
export interface InFlight {
  /** The task directory as sent to the runner (relative to its working directory). */
  key: string;
  task: string;
  attempt: number;
  taskDir: string;
  runner: Runner;
  pid: number | null;
  killAfterStart: NodeJS.Signals | null;
}

export interface Runner {
  child: ChildProcess;
  /** Tasks handed to this runner, oldest (running or about to) first. */
  queue: InFlight[];
  closed: boolean;
  /** The runner's cgroup, where the machine allows them (task-tree.ts); its tasks are born in it. */
  cgroup: string | null;
  exited: Promise<void>;
}

export interface RunnerSpawn {
  script: string;
  /** The sweep directory (resolved), in the runner's environment: what it forks is found by it. */
  sweepDir: string;
  /** The directory holding the task directories: the runner is sent names relative to it. */
  cwd: string;
  cgroup: string | null;
  log: SourceLog;
  /** A line the runner printed on stdout. */
  onLine: (runner: Runner, line: string) => void;
  /** The runner is gone (never started, or exited) with these tasks still handed to it. */
  onLost: (runner: Runner, lost: InFlight[], detail: string) => void;
  onExit: (runner: Runner) => void;
}

export function spawnRunner(o: RunnerSpawn): Runner {
  const t0 = performance.now();
  // sh (dash) forks a task in ~2/3 of bash's time; without a cgroup the runner needs bash's job
  // control for the tasks' process groups (it re-executes itself under bash if its cgroup fails)
  const shell = o.cgroup ? 'sh' : 'bash';
  const child = spawn(shell, [o.script, 'serve'], {
    cwd: o.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    env: {
      ...process.env,
      [RUNNER_SWEEP_VAR]: o.sweepDir,
      ...(o.cgroup ? { HSM_RUNNER_CGROUP: o.cgroup } : {}),
    },
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const runner: Runner = { child, queue: [], closed: false, cgroup: o.cgroup, exited };
  o.log.command('runner start', performance.now() - t0, {
    pid: child.pid,
    shell,
    cgroup: o.cgroup !== null,
  });
  child.stdin!.on('error', () => {}); // EPIPE if the runner died: reported by 'exit' below
  createInterface({ input: child.stdout! }).on('line', (line) => o.onLine(runner, line));
  createInterface({ input: child.stderr! }).on('line', (line) =>
    o.log.event('warn', 'runner:stderr', { pid: child.pid, line }),
  );
  // The tasks handed to a runner that dies (or never starts: bash missing) end with no exit record:
  // the engine reads their records and records them lost if there are none.
  const loseQueue = (detail: string) => {
    runner.closed = true;
    o.onLost(runner, runner.queue.splice(0), detail);
  };
  child.on('error', (err) => {
    o.log.event('error', 'runner:error', { shell, script: o.script, error: err.message });
    loseQueue(`the task runner could not start: ${err.message}`);
  });
  child.on('exit', (code, signal) => {
    o.log.event(runner.closed && code === 0 ? 'info' : 'warn', 'runner:exit', {
      pid: child.pid,
      code,
      signal,
      tasks_left: runner.queue.length,
    });
    loseQueue(`the task runner exited (${signal ?? code}) before the task ended`);
    o.onExit(runner);
  });
  return runner;
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HSM_BIN, hsm, makeProject } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { sshInfra } from '../../remote/test-infra.js';
import { readProcessCommandLine } from '../../../src/process/process-liveness.js';
import { GiveUp, until } from '../../helpers/wait.js';

// Shared by the tests of the Slurm source on the real Slurm of scripts/infra. Jobs run on node1..3
// (slurmd in those hosts' network namespaces, the machine's filesystem): the sweep directory and
// the runner are at the same paths there.

export const SCHEDULER_PROGRAMS = ['sbatch', 'squeue', 'sacct', 'scancel', 'scontrol'];

/** A PATH directory whose Slurm commands log each call (one line: program and arguments) to
 * `calls.log` before running the real one: what hsm asked of the scheduler, counted. */
export function countingShims(): { dir: string; calls: () => string[] } {
  const dir = makeTempDir('hsm-slurm-shims-');
  const log = join(dir, 'calls.log');
  for (const p of SCHEDULER_PROGRAMS) {
    const file = join(dir, p);
    writeFileSync(file, `#!/bin/sh\necho "${p} $*" >> '${log}'\nexec /usr/bin/${p} "$@"\n`);
    chmodSync(file, 0o755);
  }
  return {
    dir,
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []),
  };
}

export function slurmEnv(extraPath?: string): NodeJS.ProcessEnv {
  const infra = sshInfra();
  return {
    SLURM_CONF: infra.slurmConf,
    PATH: extraPath ? `${extraPath}:${process.env.PATH}` : process.env.PATH,
  };
}

/** A project whose sweep appends each run's task id to runs.log (in the project) and fails with
 * exit 3 for x=2 where a file `fail.<hostname>` exists in the project. */
export function slurmProject(sources: string, xs: number[] = [1, 2, 3], extra = ''): string {
  const sweep =
    // a name of its own: two sweeps started in the same second by parallel tests get distinct ids
    `name: sl${randomBytes(3).toString('hex')}\ncommand: ["sh", "-c", "echo $HSM_TASK_ID >> runs.log; ${extra}if [ -e fail.$(hostname) ] && [ {x} = 2 ]; then exit 3; fi; echo ran {x}"]\n` +
    `args: none\nsweep:\n  grid:\n    x: [${xs.join(', ')}]\n`;
  const dir = makeProject(sweep, `defaults:\n  output_dir: sweeps/outputs\nsources:\n${sources}`);
  mkdirSync(join(dir, 'sweeps', 'outputs'), { recursive: true });
  return dir;
}

export function runsLog(dir: string): string[] {
  const f = join(dir, 'runs.log');
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean) : [];
}

export interface StatusJson {
  sweep_id: string;
  sweep_dir: string;
  counts: Record<string, number>;
  tasks: {
    name: string;
    status: string;
    source: string;
    attempts: number;
    exit_code: number | null;
    termination_reason: string | null;
    signal: string | null;
    host: string | null;
    detail: string | null;
  }[];
}

/** `hsm status --json` of the project's latest sweep. With the `hsm run` child that creates the sweep,
 * a failure says what that run printed: a run that ended before its sweep existed is the cause. */
export function statusJson(dir: string, env: NodeJS.ProcessEnv = {}, run?: ChildProcess): StatusJson {
  const r = hsm(['status', '--json'], dir, env);
  if (r.code !== 0) throw new Error(`hsm status failed: ${r.stderr}${run ? runReport(run) : ''}`);
  return JSON.parse(r.stdout) as StatusJson;
}

/** Waits for `hsm run` (the child) to have created its sweep, then gives `hsm status --json`: a status
 * asked before then finds no sweep. Fails at once, with the run's output, if the run ends first. */
export async function sweepStatus(
  dir: string,
  env: NodeJS.ProcessEnv,
  run: ChildProcess,
  ms = 60_000,
): Promise<StatusJson> {
  return until(
    'the sweep of `hsm run`',
    () => {
      const r = hsm(['status', '--json'], dir, env);
      if (r.code === 0) return JSON.parse(r.stdout) as StatusJson;
      if (run.exitCode !== null || run.signalCode !== null)
        throw new GiveUp(`hsm run ended before its sweep existed${runReport(run)}`);
      throw new Error(r.stderr.trim());
    },
    ms,
    200,
  );
}

const outputs = new WeakMap<ChildProcess, { stdout: string; stderr: string }>();

function runReport(run: ChildProcess): string {
  const o = outputs.get(run);
  const ended = run.exitCode !== null || run.signalCode !== null;
  return (
    `\n  hsm run ${ended ? `exited (code ${run.exitCode}, signal ${run.signalCode})` : 'still runs'}` +
    (o ? `; its stderr:\n${o.stderr.slice(-4000)}` : '')
  );
}

/** `hsm ...` as a child process. Its output is read as it comes (a pipe nobody reads fills, and
 * blocks hsm) and kept for the messages of statusJson and sweepStatus. */
export function hsmChild(args: string[], cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [HSM_BIN, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  const o = { stdout: '', stderr: '' };
  outputs.set(child, o);
  child.stdout!.on('data', (d: Buffer) => (o.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (o.stderr += d.toString()));
  return child;
}

/** Waits for a condition (polled every 100 ms) up to `ms`; throws with `what` when it does not come.
 * A check that throws is "not yet" (test/helpers/wait.ts). */
export async function waitUntil(what: string, ms: number, check: () => boolean): Promise<void> {
  await until(what, check, ms, 100);
}

export interface FailedAttempt {
  task: string;
  attempt: number;
  termination_reason: string | null;
  host: string | null;
  evidence: string;
  retrying: boolean;
}

/** The sweep's logs/errors/failed_tasks.yaml: one entry per attempt that did not complete, as it ended. */
export function failedAttempts(dir: string, env: NodeJS.ProcessEnv = {}): FailedAttempt[] {
  const file = join(statusJson(dir, env).sweep_dir, 'logs', 'errors', 'failed_tasks.yaml');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('- '))
    .map((l) => JSON.parse(l.slice(2)) as FailedAttempt);
}

/** The array elements of the sweep Slurm still holds (queued or running; `-r`: one line each, a
 * pending range is not one line), found by the sweep's job name. */
export function jobsInQueue(sweepId: string, env: NodeJS.ProcessEnv): number {
  const r = spawnSync('squeue', ['-h', '-r', `--name=hsm-${sweepId}`, '-o', '%i'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return r.stdout.split('\n').filter(Boolean).length;
}

/** The sweep of a project with one sweep, once it exists, every task is handed over and at least
 * `tasks` of them are queued or running in Slurm. */
export async function whenAllSubmitted(dir: string, env: NodeJS.ProcessEnv, tasks: number): Promise<string> {
  let id = '';
  await waitUntil('the sweep and its tasks in Slurm', 60_000, () => {
    const r = hsm(['status', '--json'], dir, env);
    if (r.code !== 0) return false; // not created yet
    const s = JSON.parse(r.stdout) as { sweep_id: string; counts: Record<string, number> };
    id = s.sweep_id;
    return (
      s.counts.pending === 0 && s.counts.queued! + s.counts.running! >= tasks && jobsInQueue(id, env) > 0
    );
  });
  return id;
}

// ---- sweeps whose tasks wait for a `gate` file: the test decides when the jobs end ----

/** A project on the `debug` partition whose tasks wait for `gate` in the project (all of them, or
 * all but x=1 with `firstRunsThrough`): they are in Slurm's queue when the test stops them. */
export function gatedProject(xs: number[], firstRunsThrough = false): string {
  const wait = 'while [ ! -e gate ]; do sleep 0.2; done; ';
  return slurmProject(
    '  cluster: {type: slurm, partition: debug, time: "00:02:00"}\n',
    xs,
    firstRunsThrough ? `if [ {x} != 1 ]; then ${wait}fi; ` : wait,
  );
}

/** Opens the gate, then `hsm complete` must finish the sweep: exit 0, `completed` tasks in all.
 * Returns its stderr. */
export function completeThroughGate(
  dir: string,
  id: string,
  env: NodeJS.ProcessEnv,
  completed: number,
): string {
  writeFileSync(join(dir, 'gate'), '');
  const c = hsm(['complete', id], dir, env, 60_000);
  if (c.code !== 0) throw new Error(`hsm complete exited ${c.code}: ${c.stderr}`);
  const counts = statusJson(dir, env).counts;
  if (counts.completed !== completed)
    throw new Error(`hsm complete left ${JSON.stringify(counts)}, not ${completed} completed`);
  return c.stderr;
}

/** Waits until Slurm holds none of the sweep's jobs. */
export async function queueEmptied(id: string, env: NodeJS.ProcessEnv): Promise<void> {
  await waitUntil('the jobs gone from the queue', 60_000, () => jobsInQueue(id, env) === 0);
}

/** How many scancel calls the counting shims saw. */
export function scancels(shims: { calls: () => string[] }): number {
  return shims.calls().filter((c) => c.startsWith('scancel ')).length;
}

/** Signals the Slurm daemon a pid file names, once its command line shows it is that daemon: a pid
 * file left by a daemon that died names whatever process has that pid since (pids are reused, a
 * test runner's worker for one). Returns the pid. */
export function signalDaemon(pidFile: string, program: string, signal: NodeJS.Signals): number {
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const cmd = Number.isInteger(pid) && pid > 1 ? readProcessCommandLine(pid) : null;
  if (cmd === null || !cmd.split(' ')[0]!.endsWith(program))
    throw new Error(`${pidFile} names pid ${pid}, which is not ${program} (${cmd ?? 'no such process'})`);
  process.kill(pid, signal);
  return pid;
}

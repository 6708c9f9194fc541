import { readdirSync, readFileSync } from 'node:fs';
import { readProcessCommandLine, sessionOf } from '../../../src/process/process-liveness.js';
import { childrenOf } from '../../../src/process/process-tree.js';
import { until } from '../../helpers/wait.js';

// The runner's agent on an ssh or session host, its per-task waiters and what they forked, seen
// from here: the test hosts share this machine's process table. A run's processes are found by an
// environment entry its sessions carry on the host (HSM_RUNNER_HOLD, set through the ssh config's
// SetEnv), and the ledger its task appends `start 1 <pid>` and `end 1` to.

/** The waiters of the run's tasks: a runner process (exact command line: the preparation script's
 * carries the runner's text) that is the agent's child. A waiter leads a session of its own
 * (`hsm-runner.sh wait`); a runner without that keeps its waiters as subshells of the agent
 * (`hsm-runner.sh agent`, in the agent's session), which are found too, so that a test shows what
 * goes wrong without it. */
export function waitersOf(holdEntry: string): number[] {
  return withEnvironment(holdEntry).filter((p) => {
    const m = /^bash \S+\/hsm-runner\.sh (agent|wait \d+ \S+)$/.exec(commandLine(p));
    if (!m) return false;
    const leads = sessionOf(p) === p;
    return m[1] === 'agent' ? !leads : leads;
  });
}

/** The run's agents (`hsm-runner.sh agent`, leading their session). */
export function agentsOf(holdEntry: string): number[] {
  return withEnvironment(holdEntry).filter(
    (p) => /^bash \S+\/hsm-runner\.sh agent$/.test(commandLine(p)) && sessionOf(p) === p,
  );
}

/** The waiter of the run's task once it forked the task (held before its started record: something
 * of it is alive below the waiter), and what it forked. */
export async function heldFork(holdEntry: string): Promise<{ waiter: number; forked: number[] }> {
  const waiter = await until(
    'a waiter forked the task',
    () => waitersOf(holdEntry).find((w) => descendants(w).length > 0) ?? null,
    60_000,
    20,
  );
  return { waiter, forked: descendants(waiter) };
}

/** Every process (any user's: the host's user runs the tasks) whose environment holds `entry`. */
export function withEnvironment(entry: string): number[] {
  const needle = Buffer.from(`\0${entry}\0`);
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const env = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${name}/environ`)]);
      if (env.includes(needle)) found.push(Number(name));
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

export function descendants(pid: number): number[] {
  return childrenOf(pid).flatMap((c) => [c, ...descendants(c)]);
}

function commandLine(pid: number): string {
  return (readProcessCommandLine(pid) ?? '').trim();
}

function lines(ledger: string): string[] {
  return readFileSync(ledger, 'utf8').trim().split('\n').filter(Boolean);
}

/** The ledger's `end` lines. */
export function ends(ledger: string): string[] {
  return lines(ledger).filter((l) => l.startsWith('end '));
}

/** The ledger's `start` lines. */
export function startLines(ledger: string): string[] {
  return lines(ledger).filter((l) => l.startsWith('start '));
}

/** The pids of the task's attempts, in the order they started. */
export function starts(ledger: string): number[] {
  return lines(ledger)
    .filter((l) => l.startsWith('start 1 '))
    .map((l) => Number(l.split(' ')[2]));
}

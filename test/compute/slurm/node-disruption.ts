import { expect } from 'vitest';
import { waitForExit } from '../../helpers/cli.js';
import {
  failedAttempts,
  hsmChild,
  runsLog,
  slurmEnv,
  slurmProject,
  statusJson,
  waitUntil,
  type StatusJson,
} from './slurm-helpers.js';

// Shared by the tests that hit the node under a running task (a stopped slurmd, a preempting job):
// two one-task sweeps run on the same node when it is hit.
// - `retried`, with the default policy: its task runs again at once, and completes. It is not pinned
//   to the node: a retry pinned to a dead node would wait for the node to come back.
// - `once`, pinned to that node (`--nodelist`), with `retry: <reason>: none`: its task ends, and
//   `hsm status --json` reports the reason itself (after a retry it shows the retry's).

/** Runs again where `again` exists in the project: the first attempt waits to be hit. */
const FIRST_WAITS = 'if [ ! -e again ]; then touch again; sleep 300; fi; ';

export interface NodeHit {
  node: string;
  retried: StatusJson['tasks'][number];
  once: StatusJson['tasks'][number];
}

/** `fields` of the `cluster` source (partition, time...); `hit(node)` disrupts the node once both
 * tasks run there; `reason` is what both first attempts must end with, `evidence` what they say. */
export async function hitNodeUnderTasks(opts: {
  fields: string;
  reason: string;
  evidence: string;
  hit: (node: string) => void;
  /** Called whatever happens, before the sweeps' ends are checked (restores what `hit` broke). */
  restore?: () => void;
}): Promise<NodeHit> {
  const env = slurmEnv();
  const retried = slurmProject(`  cluster: {type: slurm, ${opts.fields}}\n`, [1], FIRST_WAITS);
  const a = hsmChild(['run', '--source', 'cluster'], retried, env);
  let b: ReturnType<typeof hsmChild> | null = null;
  let node: string;
  let once: string;
  try {
    await waitUntil('the task to run', 60_000, () => runsLog(retried).length === 1);
    node = await hostOf(retried, env);
    once = slurmProject(
      `  cluster: {type: slurm, ${opts.fields}, extra_directives: ["--nodelist=${node}"]}\n` +
        `retry:\n  ${opts.reason}: none\n`,
      [1],
      'sleep 300; ',
    );
    b = hsmChild(['run', '--source', 'cluster'], once, env);
    await waitUntil('the pinned task to run', 60_000, () => runsLog(once).length === 1);
    expect(await hostOf(once, env)).toBe(node);
    opts.hit(node);
    const [aEnd, bEnd] = await Promise.all([waitForExit(a), waitForExit(b)]);
    expect(aEnd.code, JSON.stringify(statusJson(retried, env).tasks)).toBe(0);
    expect(bEnd.code, JSON.stringify(statusJson(once, env).tasks)).toBe(1);
  } finally {
    a.kill('SIGKILL');
    b?.kill('SIGKILL');
    opts.restore?.();
  }
  // the default policy: at once, again, and it completes
  const r = statusJson(retried, env).tasks[0]!;
  expect(r).toMatchObject({ status: 'completed', attempts: 2 });
  expect(runsLog(retried)).toEqual(['task_001', 'task_001']);
  const [first, ...more] = failedAttempts(retried, env);
  expect(more).toEqual([]);
  expect(first).toMatchObject({ attempt: 1, termination_reason: opts.reason, host: node, retrying: true });
  expect(first!.evidence).toContain(opts.evidence);
  // not retried: `hsm status --json` says why it ended
  const t = statusJson(once, env).tasks[0]!;
  expect(t).toMatchObject({ status: 'failed', termination_reason: opts.reason, attempts: 1, host: node });
  expect(t.detail).toContain(`${opts.evidence} on ${node}`);
  return { node, retried: r, once: t };
}

async function hostOf(dir: string, env: NodeJS.ProcessEnv): Promise<string> {
  let host: string | null = null;
  await waitUntil('the task to have a host', 60_000, () => {
    host = statusJson(dir, env).tasks[0]?.host ?? null;
    return host !== null;
  });
  return host!;
}

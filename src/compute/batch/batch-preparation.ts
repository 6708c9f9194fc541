import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SweepContext } from '../source-context.js';
import type { BatchDialect } from './batch-dialect.js';
import { PermanentSubmitError, SchedulerUnreachableError } from './job-submitter.js';
import type { RemoteSweepDir } from './remote-sweep-dir.js';
import type { SchedulerClient } from './scheduler-client.js';

// Before a batch source's first submit: the sweep's scripts directory and runner copy here, where
// the jobs will find the sweep directory (here on a shared filesystem, checked on a login node; or
// the cluster's copy, made), and the scheduler's array size limit (asked once).

export interface Prepared {
  maxArraySize: number;
  /** The job scripts here. */
  scriptsDir: string;
  /** The sweep directory and the project as the jobs see them (here, or the cluster's copies). */
  jobsSee: { sweepDir: string; projectRoot: string };
  /** False when the limits could not be read (a safe size is used until they can). */
  limitsKnown: boolean;
}

export async function prepareBatchSweep<R>(o: {
  context: SweepContext;
  dialect: BatchDialect<R>;
  client: SchedulerClient;
  runnerPath: string;
  remote?: RemoteSweepDir | null;
  scriptsDir: string;
  log: (line: string) => void;
}): Promise<Prepared> {
  const { context, dialect, client, scriptsDir } = o;
  mkdirSync(join(scriptsDir, 'output'), { recursive: true });
  copyFileSync(o.runnerPath, join(context.sweepDir, 'scripts', 'hsm-runner.sh'));
  let jobsSee = { sweepDir: context.sweepDir, projectRoot: context.projectRoot };
  if (o.remote) {
    // the cluster has its own copy of the project and of the sweep directory
    const place = await o.remote.prepare();
    jobsSee = { sweepDir: place.sweepDir, projectRoot: place.root };
  } else {
    // commands run on a login node: the jobs there must see (and write) this sweep directory
    const shared = await client.checkSharedDir?.(scriptsDir);
    if (shared) throw new PermanentSubmitError(shared.problem, shared.fix);
  }
  let maxArraySize = 1000;
  let limitsKnown = true;
  const argv = dialect.limitsArgv();
  if (argv) {
    const r = await client.run({ argv, timeoutMs: 30_000 });
    if (r.unreachable) throw new SchedulerUnreachableError(r.unreachable);
    if (r.missing)
      throw new PermanentSubmitError(
        `${argv[0]} was not found on PATH: hsm submits jobs where the scheduler's commands are`,
        'run hsm on a login node of the cluster (or load its module), or set `host:` on the source to submit over ssh',
      );
    if (r.exitCode === 0) maxArraySize = dialect.parseLimits(r.stdout).maxArraySize;
    else {
      // the controller may be restarting: submit with a safe array size (the submit itself
      // retries a temporary refusal) and ask for the limits again next time
      limitsKnown = false;
      o.log(
        `${argv.join(' ')} failed (${r.stderr.trim() || `exit ${r.exitCode}`}): arrays of at most 1000 for now`,
      );
    }
  }
  return { maxArraySize, scriptsDir, jobsSee, limitsKnown };
}

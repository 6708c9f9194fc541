import type { ProjectContext } from './project.js';
import { parseTimeLimit } from '../domain/duration.js';
import { createSweep, planSweep, type PlanRequest } from './sweep-plan.js';
import { checkRunSources } from './run-sources.js';
import { executeSweep, type RunOptions, type SweepRun } from './sweep-run.js';
import { openSweep } from './sweep-open.js';

// A sweep's life in one call each, for programs that use hsm as a library: run a sweep file, complete
// an existing sweep. Each returns once the tasks are handed to the run loop; `result` settles when the
// run ends, and the sweep's store is closed then.

export interface RunSweepRequest extends PlanRequest {
  /** The id of the new sweep (default `<name>_YYYYMMDD_HHMMSS`). */
  sweepId?: string;
}

export interface CompleteOptions extends RunOptions {
  /** Also run tasks that failed (`hsm complete --retry-failed`); cancelled ones always run. */
  retryFailed?: boolean;
}

// Plans the sweep file, creates the sweep directory and starts running its tasks (`hsm run`).
export async function runSweep(
  project: ProjectContext,
  request: RunSweepRequest = {},
  options: RunOptions = {},
): Promise<SweepRun> {
  // refused before the sweep is created, not after
  if (options.timeout !== undefined) parseTimeLimit(options.timeout);
  const plan = planSweep(project, request, 0);
  checkRunSources(project, options.sources ?? ['local']);
  const sweep = await createSweep(project, plan, request.sweepId);
  return closeWhenDone(sweep.store, () => executeSweep(project, sweep, options));
}

// Runs what an existing sweep is missing (`hsm complete`): pending, lost and cancelled tasks, failed
// ones too with `retryFailed`; attempts still running from a dead hsm process are adopted, not rerun.
export function completeSweep(
  project: ProjectContext,
  idOrPrefix: string,
  options: CompleteOptions = {},
): SweepRun {
  const sweep = openSweep(project, idOrPrefix);
  return closeWhenDone(sweep.store, () => executeSweep(project, sweep, options));
}

function closeWhenDone(store: { close(): void }, start: () => SweepRun): SweepRun {
  let run: SweepRun;
  try {
    run = start();
  } catch (err) {
    store.close();
    throw err;
  }
  return { ...run, result: run.result.finally(() => store.close()) };
}

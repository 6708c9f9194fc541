import type { SourceConfig } from '../../config/project-config.js';
import { parseDuration } from '../../domain/duration.js';
import type { ComputeSource } from '../../engine/ports.js';
import { BatchSource } from '../batch/batch-source.js';
import { LocalSchedulerClient } from '../batch/scheduler-client.js';
import type { TaskEnvironment } from '../command-script.js';
import { findRunnerScript } from '../local/runner-path.js';
import { sourceLogOf, type SweepContext } from '../source-context.js';
import { PbsDialect, readPbsFlavour } from './pbs-dialect.js';
import { resourceDirectives } from './pbs-resources.js';

// A `type: pbs` source: the batch glue with the PBS dialect (PBS Pro/OpenPBS or Torque), qsub,
// qstat and qdel run on this machine (a login node, or wherever they and the shared filesystem are).

/** Attempts handed to PBS at once when `max_parallel` is not set: the whole sweep, in arrays. */
const DEFAULT_SLOTS = 100_000;
const DEFAULT_POLL_MAX_MS = 30_000;

export function buildPbsSource(
  name: string,
  config: SourceConfig,
  slots: number | null,
  context: SweepContext,
  environment: TaskEnvironment,
): ComputeSource {
  const dialect = new PbsDialect(readPbsFlavour(name, config));
  const throttle = config.array_throttle;
  return new BatchSource({
    name,
    type: 'pbs',
    dialect,
    resources: dialect.readResources(name, config),
    throttle: typeof throttle === 'number' ? throttle : null,
    tasksPerJob: typeof config.tasks_per_job === 'number' ? config.tasks_per_job : 1,
    slots: slots ?? (typeof config.max_parallel === 'number' ? config.max_parallel : DEFAULT_SLOTS),
    context,
    environment: { ...context.environment, ...environment },
    client: new LocalSchedulerClient(sourceLogOf(context, name)),
    runnerPath: findRunnerScript(),
    pollMinMs: 1000,
    pollMaxMs: config.poll_interval
      ? Math.max(1000, parseDuration(String(config.poll_interval)))
      : DEFAULT_POLL_MAX_MS,
    submitBackoffMs: [1000, 2000, 4000, 8000, 15_000],
  });
}

/** What the builder would refuse, checked before a sweep is created. */
export function checkPbsSettings(name: string, config: SourceConfig): void {
  const flavour = readPbsFlavour(name, config);
  // the directives themselves are checked too (select with ncpus, a value with whitespace); the
  // family, when the server has to say it, is checked at the first submit
  resourceDirectives(flavour ?? 'pro', new PbsDialect(flavour).readResources(name, config));
}

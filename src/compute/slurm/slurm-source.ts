import type { SourceConfig } from '../../config/project-config.js';
import { parseDuration } from '../../domain/duration.js';
import type { ComputeSource } from '../../engine/ports.js';
import { BatchSource } from '../batch/batch-source.js';
import { LocalSchedulerClient } from '../batch/scheduler-client.js';
import type { TaskEnvironment } from '../command-script.js';
import { findRunnerScript } from '../local/runner-path.js';
import { sourceLogOf, type SweepContext } from '../source-context.js';
import { slurmDialect } from './slurm-dialect.js';

// A `type: slurm` source: the batch glue with the Slurm dialect, sbatch/squeue/sacct/scancel run
// on this machine (a login node, or wherever Slurm's commands and the shared filesystem are).

/** Attempts handed to Slurm at once when `max_parallel` is not set: the whole sweep, in arrays
 * (Slurm queues them; `array_throttle` bounds how many run). */
const DEFAULT_SLOTS = 100_000;
const DEFAULT_POLL_MAX_MS = 30_000;

export function buildSlurmSource(
  name: string,
  config: SourceConfig,
  slots: number | null,
  context: SweepContext,
  environment: TaskEnvironment,
): ComputeSource {
  const throttle = config.array_throttle;
  return new BatchSource({
    name,
    type: 'slurm',
    dialect: slurmDialect,
    resources: slurmDialect.readResources(name, config),
    throttle: typeof throttle === 'number' ? throttle : null,
    tasksPerJob: typeof config.tasks_per_job === 'number' ? config.tasks_per_job : 1,
    slots: slots ?? DEFAULT_SLOTS,
    context,
    // the project's venv/conda env, then the source's own fields (the cluster shares the filesystem)
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

import type { SourceConfig } from '../../config/project-config.js';
import { parseDuration } from '../../domain/duration.js';
import type { ComputeSource } from '../../engine/ports.js';
import type { TaskEnvironment } from '../command-script.js';
import { findRunnerScript } from '../local/runner-path.js';
import { sourceLogOf, type SweepContext } from '../source-context.js';
import type { BatchDialect } from './batch-dialect.js';
import { BatchSource } from './batch-source.js';
import { LocalSchedulerClient } from './scheduler-client.js';

// A batch source from its hsm_config.yaml entry, the same way for every scheduler: the dialect
// reads its own resource fields, the rest (throttle, packing, slots, polling) is shared. The
// scheduler's commands run on this machine (a login node, or wherever they and the shared
// filesystem are).

/** Attempts handed to the scheduler at once when `max_parallel` is not set: the whole sweep, in
 * arrays (the scheduler queues them; `array_throttle` bounds how many run). */
const DEFAULT_SLOTS = 100_000;
const DEFAULT_POLL_MAX_MS = 30_000;

/** Builds a source of one scheduler from its config entry (the registry's signature). */
export type BatchSourceBuilder = (
  name: string,
  config: SourceConfig,
  /** `--jobs`, else the config's max_parallel; null: the whole sweep at once. */
  slots: number | null,
  context: SweepContext,
  environment: TaskEnvironment,
) => ComputeSource;

/** The builder of a scheduler's sources: its dialect (which may depend on the entry: PBS's
 * flavour) and the shared glue. */
export function batchSourceBuilder<R>(
  type: 'slurm' | 'pbs',
  dialectOf: (name: string, config: SourceConfig) => BatchDialect<R>,
): BatchSourceBuilder {
  return (name, config, slots, context, environment) => {
    const dialect = dialectOf(name, config);
    const throttle = config.array_throttle;
    return new BatchSource({
      name,
      type,
      dialect,
      resources: dialect.readResources(name, config),
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
  };
}

import type { SourceConfig } from '../../config/project-config.js';
import { parseDuration } from '../../domain/duration.js';
import type { ComputeSource } from '../../engine/ports.js';
import type { TaskEnvironment } from '../command-script.js';
import { findRunnerScript } from '../local/runner-path.js';
import { sourceLogOf, type SweepContext } from '../source-context.js';
import type { BatchDialect } from './batch-dialect.js';
import { BatchSource } from './batch-source.js';
import { LocalSchedulerClient } from './scheduler-client.js';
import { SshSchedulerClient } from './ssh-scheduler-client.js';
import { RemoteSweepDir } from './remote-sweep-dir.js';
import { normalizeWorkdir, syncsOverSsh } from '../../config/ssh-source.js';
import { sshEndpointOf, type SshEndpoint } from '../../remote/ssh/source-client.js';

// A batch source from its hsm_config.yaml entry, the same way for every scheduler: the dialect
// reads its own resource fields, the rest (throttle, packing, slots, polling) is shared. The
// scheduler's commands run on this machine (a login node, or wherever they and the shared
// filesystem are), or with `host:` on a login node over ssh (ssh-scheduler-client.ts); with
// `workdir:` too, the cluster does not share this machine's filesystem: the jobs run from the
// project copy there and the sweep directory is copied both ways (remote-sweep-dir.ts).

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
    const endpoint = loginNodeOf(config, context);
    const remote =
      endpoint && syncsOverSsh(config)
        ? new RemoteSweepDir({
            endpoint,
            workdir: normalizeWorkdir(name, String(config.workdir)),
            workdirDisplay: String(config.workdir),
            sourceName: name,
            sweepId: context.sweepId,
            localSweepDir: context.sweepDir,
            log: sourceLogOf(context, name),
          })
        : null;
    return new BatchSource({
      name,
      type,
      dialect,
      resources: dialect.readResources(name, config),
      throttle: typeof throttle === 'number' ? throttle : null,
      tasksPerJob: typeof config.tasks_per_job === 'number' ? config.tasks_per_job : 1,
      slots: slots ?? DEFAULT_SLOTS,
      context,
      // the project's venv/conda env, then the source's own fields (the cluster shares the
      // filesystem); with a copy of the project there, the project's name paths on this machine
      environment: remote ? environment : { ...context.environment, ...environment },
      client: endpoint
        ? new SshSchedulerClient(endpoint, sourceLogOf(context, name), environment.env ?? {})
        : new LocalSchedulerClient(sourceLogOf(context, name)),
      runnerPath: findRunnerScript(),
      remote,
      cleanRemote: config.clean_remote === true,
      pollMinMs: 1000,
      pollMaxMs: config.poll_interval
        ? Math.max(1000, parseDuration(String(config.poll_interval)))
        : DEFAULT_POLL_MAX_MS,
      submitBackoffMs: [1000, 2000, 4000, 8000, 15_000],
    });
  };
}

// Where the scheduler's commands run: here (null), or the login node `host:` names, reached as an
// ssh source is (user, port, identity_file, ssh_options, the run's ssh config file), with the
// source's `env:` set for them there.
function loginNodeOf(config: SourceConfig, context: SweepContext): SshEndpoint | null {
  if (typeof config.host !== 'string' || config.host === '') return null;
  const str = (v: unknown): string | null =>
    typeof v === 'string' || typeof v === 'number' ? String(v) : null;
  return sshEndpointOf(
    {
      host: config.host,
      user: str(config.user),
      port: typeof config.port === 'number' ? config.port : null,
      identityFile: str(config.identity_file),
      sshOptions: Array.isArray(config.ssh_options) ? config.ssh_options.map(String) : [],
    },
    context.sshConfigFile ? { configFile: context.sshConfigFile } : {},
  );
}

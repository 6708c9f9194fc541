import type { ComputeSource } from '../../engine/ports.js';
import type { SshSourceSpec } from '../../config/ssh-source.js';
import type { SshClientOptions } from '../../remote/ssh/ssh-argv.js';
import type { TaskEnvironment } from '../command-script.js';
import { sourceLogOf, type SweepContext } from '../source-context.js';
import { HostWorker } from '../remote-host/host-worker.js';
import { SshHostLink } from './host-link.js';

// An ssh host as a compute source: the remote-host worker (records, heartbeat, setup, health,
// lost_after, collection) over an ssh exec channel. The task agent is one long-lived ssh session
// (agent-channel.ts); results come back with rsync over the same master connection.

export interface SshSourceOptions {
  spec: SshSourceSpec;
  /** Attempts at once; null: the host's processor count. */
  slots: number | null;
  context: SweepContext;
  environment: TaskEnvironment;
  client: SshClientOptions;
  lostAfterMs: number;
  cleanRemote: boolean;
  /** `setup:` commands, run in the project root on the host before its first task. */
  setup: readonly string[];
}

export class SshSource extends HostWorker implements ComputeSource {
  readonly type = 'ssh' as const;

  constructor(options: SshSourceOptions) {
    super({
      sourceName: options.spec.name,
      link: new SshHostLink(options.spec, options.client, sourceLogOf(options.context, options.spec.name)),
      workdir: options.spec.workdir,
      workdirDisplay: options.spec.workdirDisplay,
      slots: options.slots,
      context: options.context,
      environment: options.environment,
      lostAfterMs: options.lostAfterMs,
      cleanRemote: options.cleanRemote,
      setup: options.setup,
      tools: ['rsync', 'setsid'],
      pathHint: 'or put it on the PATH of non-interactive ssh logins',
    });
  }
}

import { quoteShellArgv } from '../../domain/shell-quote.js';
import { createShellTransport, type ShellTransport } from '../shell/index.js';
import type { NodeResult, NodeTarget, RunOptions, Transport } from '../types.js';
import { buildAwsGlobalArgs, type AwsCliOptions } from './aws-cli.js';
import { runSsmCommand } from './ssm-command-runner.js';

// The transport for HyperPod nodes. One-shot commands (`hsm exec --hyperpod C CMD`) go through
// SSM's non-interactive command document first; when that path cannot start a command on a node
// (document unavailable, plugin too old, agent too old: no begin marker came back) the node is
// retried once through an interactive SSM shell (the `shell` transport), and the non-interactive
// path is not tried again for later nodes. A command that started is never run a second time.
// Interactive mode keeps shells open between commands, so it uses the shell transport directly.

export interface HyperPodTransportOptions extends AwsCliOptions {
  /** `one-shot` prefers the non-interactive document; `interactive` uses shells only. */
  mode: 'one-shot' | 'interactive';
  /** Session starts per second (SSM StartSession throttles; default 5). */
  sessionRateLimit?: number;
  connectTimeoutMs?: number;
}

// The default shell command for HyperPod: an interactive SSM session to the node's target.
export function buildDefaultHyperPodShellCommand(aws: AwsCliOptions): string {
  return `${quoteShellArgv([aws.awsCommand ?? 'aws', 'ssm', 'start-session', '--target'])} {target} ${quoteShellArgv(
    buildAwsGlobalArgs(aws).slice(2),
  )}`.trim();
}

export class HyperPodTransport implements Transport {
  readonly kind = 'shell' as const;
  private readonly shell: ShellTransport;
  private nonInteractive: boolean;
  private readonly options: HyperPodTransportOptions;
  /** Why the non-interactive path was given up (shown once by callers, e.g. with --debug). */
  fallbackReason: string | null = null;

  constructor(options: HyperPodTransportOptions) {
    this.options = options;
    this.nonInteractive = options.mode === 'one-shot';
    this.shell = createShellTransport({
      shellCommand: buildDefaultHyperPodShellCommand(options),
      sessionRateLimit: options.sessionRateLimit,
      connectTimeoutMs: options.connectTimeoutMs,
      env: options.env,
    });
  }

  // Runs one command on one HyperPod node (non-interactive document first in one-shot mode).
  async run(node: NodeTarget, command: string, options: RunOptions): Promise<NodeResult> {
    if (this.nonInteractive) {
      const attempt = await runSsmCommand(node, command, options, this.options);
      if (!attempt.notStarted) return attempt.result;
      if (this.nonInteractive) {
        this.nonInteractive = false;
        this.fallbackReason = attempt.transcript.trim().split('\n').slice(-3).join('\n');
      }
    }
    return this.shell.run(node, command, options);
  }

  // Opens the node's interactive session now (interactive mode, `test`).
  open(
    node: NodeTarget,
    options: { signal?: AbortSignal; onData?: RunOptions['onData'] } = {},
  ): Promise<NodeResult> {
    return this.shell.open(node, options);
  }

  close(): Promise<void> {
    return this.shell.close();
  }
}

// Creates the HyperPod transport (throws a usage HsmError when `aws` is not on PATH).
export function createHyperPodTransport(options: HyperPodTransportOptions): HyperPodTransport {
  return new HyperPodTransport(options);
}

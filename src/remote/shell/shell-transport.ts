import { HsmError } from '../../domain/errors.js';
import {
  nodeErrorResult,
  type NodeResult,
  type NodeTarget,
  type RunOptions,
  type Transport,
} from '../types.js';
import { SessionStartLimiter } from './session-start-limiter.js';
import { ShellSession, type ShellRunOptions } from './shell-session.js';
import {
  parseShellCommandTemplate,
  renderShellCommandArgv,
  type ShellCommandTemplate,
} from './shell-command-template.js';
import { findExecutable } from './find-executable.js';

// The `shell` transport: any command that yields an interactive shell on a node (`ssh -tt
// {node}`, `aws ssm start-session --target {target}`, `kubectl exec -it {node} -- bash`), driven
// through a pty. One session per node, opened on first use (starts rate limited), reused by later
// commands, one command at a time per session. stderr cannot be told apart from stdout through a
// pty: it arrives merged into `stdout`, in order, and `stderr` is always empty.

export interface ShellTransportOptions {
  /** Template with `{node}` / `{target}` placeholders. */
  shellCommand: string;
  /** Session starts per second across all nodes (default 5). */
  sessionRateLimit?: number;
  /** Time for a session to open and answer (default 30 s: SSM sessions take seconds). */
  connectTimeoutMs?: number;
  /** Environment of the shell command (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

interface NodeSession {
  session: ShellSession | null;
  /** Commands on one node run one after the other: this is the tail of that queue. */
  queue: Promise<unknown>;
}

export class ShellTransport implements Transport {
  readonly kind = 'shell' as const;
  readonly template: ShellCommandTemplate;
  private readonly limiter: SessionStartLimiter;
  private readonly connectTimeoutMs: number;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private readonly nodes = new Map<string, NodeSession>();
  private closed = false;

  constructor(options: ShellTransportOptions) {
    this.template = parseShellCommandTemplate(options.shellCommand);
    this.limiter = new SessionStartLimiter(options.sessionRateLimit ?? 5);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    this.env = options.env;
    const program = this.template.words[0]!;
    if (!program.includes('{') && !findExecutable(program, this.env?.PATH ?? process.env.PATH)) {
      throw new HsmError('usage', `The shell command \`${program}\` was not found on PATH.`, {
        evidence: `--shell-command ${this.template.source}`,
        hint:
          program === 'aws'
            ? 'Install the AWS CLI v2 and the Session Manager plugin, or give another --shell-command.'
            : 'Install it, give its full path, or choose another --shell-command.',
      });
    }
  }

  // Runs one command on one node in that node's session, opening the session first if needed.
  // `options.input` is typed after the command line (the command reads it from /dev/tty).
  run(node: NodeTarget, command: string, options: ShellRunOptions): Promise<NodeResult> {
    const entry = this.entry(node.name);
    const next = entry.queue.then(() => this.runQueued(entry, node, command, options));
    entry.queue = next.catch(() => undefined);
    return next;
  }

  // Opens the node's session now (interactive mode and `test` open every session up front).
  open(
    node: NodeTarget,
    options: { signal?: AbortSignal; onData?: RunOptions['onData'] } = {},
  ): Promise<NodeResult> {
    const entry = this.entry(node.name);
    const next = entry.queue.then(async () => {
      const started = Date.now();
      const error = await this.ensureSession(entry, node, options);
      return {
        node: node.name,
        exitCode: error ? null : 0,
        stdout: '',
        stderr: '',
        timedOut: false,
        error,
        durationMs: Date.now() - started,
      };
    });
    entry.queue = next.catch(() => undefined);
    return next;
  }

  // Closes every session (politely: `exit`), in parallel.
  async close(): Promise<void> {
    this.closed = true;
    const sessions = [...this.nodes.values()];
    this.nodes.clear();
    await Promise.all(sessions.map(async (entry) => entry.session?.close()));
  }

  private entry(name: string): NodeSession {
    let entry = this.nodes.get(name);
    if (!entry) {
      entry = { session: null, queue: Promise.resolve() };
      this.nodes.set(name, entry);
    }
    return entry;
  }

  private async runQueued(entry: NodeSession, node: NodeTarget, command: string, options: ShellRunOptions) {
    const started = Date.now();
    const error = await this.ensureSession(entry, node, options);
    if (error || !entry.session) {
      return nodeErrorResult(node, error ?? 'no session', Date.now() - started);
    }
    const result = await entry.session.run(node.name, command, options);
    return { ...result, durationMs: Date.now() - started };
  }

  // Returns null when the node has a usable session, else why not (with the session's last words).
  private async ensureSession(
    entry: NodeSession,
    node: NodeTarget,
    options: { signal?: AbortSignal; onData?: RunOptions['onData'] },
  ): Promise<string | null> {
    if (this.closed) return 'the transport is closed';
    if (entry.session?.isUsable) return null;
    entry.session = null;
    if (!(await this.limiter.acquire(options.signal))) return 'interrupted';
    const argv = renderShellCommandArgv(this.template, node);
    const opened = await ShellSession.open(argv, {
      connectTimeoutMs: this.connectTimeoutMs,
      signal: options.signal,
      onRaw: options.onData ? (dir, chunk) => options.onData!(dir, chunk) : undefined,
      spawn: { env: this.env },
    });
    if (!opened.ok || !opened.session) {
      const evidence = opened.transcript.trim().split('\n').slice(-5).join('\n');
      return `${opened.error}${evidence ? `: ${evidence}` : ''}`;
    }
    if (this.closed) {
      await opened.session.close();
      return 'the transport is closed';
    }
    entry.session = opened.session;
    return null;
  }
}

// Creates the `shell` transport (throws a usage HsmError for a bad template or a missing program).
export function createShellTransport(options: ShellTransportOptions): ShellTransport {
  return new ShellTransport(options);
}

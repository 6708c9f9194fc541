import type { SourceLog } from '../../engine/log-port.js';
import { quoteShellArgv } from '../../domain/shell-quote.js';
import { runCommand } from '../../process/run-command.js';
import { buildSshArgv } from '../../remote/ssh/ssh-argv.js';
import { classifySshFailure } from '../../remote/ssh/ssh-failure.js';
import { sshFailureHint } from '../../remote/ssh/ssh-failure-hint.js';
import type { SshEndpoint } from '../../remote/ssh/source-client.js';
import { SchedulerUnreachableError } from './job-submitter.js';
import type { SchedulerCall, SchedulerClient, SchedulerResult } from './scheduler-client.js';

// Runs the scheduler's commands on a login node over ssh (`host:` on a slurm or pbs source): the
// same argv as on this machine, quoted word by word with the one quoting function, after `env` and
// the source's `env:` variables (a login node's non-interactive shell may lack what a login sets).
// The ssh client is the SSH transport's (ssh-argv.ts): host keys verified, BatchMode, one shared
// connection. An ssh failure of its own (exit 255 before the command ran: refused, timed out, host
// key, authentication) is told apart from the scheduler's answer: `unreachable` names the cause and
// the fix. Without `workdir:` the job scripts and task directories are not copied: the sweep
// directory must be on a filesystem this machine and the cluster share at the same path
// (`checkSharedDir`); with it, remote-sweep-dir.ts copies them.

export class SshSchedulerClient implements SchedulerClient {
  private readonly byProgram = new Map<string, number>();

  constructor(
    private readonly endpoint: SshEndpoint,
    private readonly log: SourceLog,
    private readonly remoteEnv: Readonly<Record<string, string>> = {},
  ) {}

  get counts(): ReadonlyMap<string, number> {
    return this.byProgram;
  }

  /** Where the commands run, for messages: `user@host` or the host (alias). */
  get where(): string {
    return this.endpoint.destination;
  }

  async run(call: SchedulerCall): Promise<SchedulerResult> {
    const program = call.argv[0]!;
    this.byProgram.set(program, (this.byProgram.get(program) ?? 0) + 1);
    const r = await this.ssh(call.argv, call.timeoutMs);
    this.log.command(program, r.ms, {
      exit: r.timedOut ? null : r.exitCode,
      via: 'ssh',
      ...(r.timedOut ? { timed_out: true } : {}),
      ...(r.unreachable ? { unreachable: r.unreachable } : {}),
    });
    return r;
  }

  /** Null when `dir` is a writable directory at the same path on the login node; else why not
   * (its fix given apart). Throws SchedulerUnreachableError when the login node cannot be reached. */
  async checkSharedDir(dir: string): Promise<{ problem: string; fix: string } | null> {
    const r = await this.ssh(['test', '-d', dir, '-a', '-w', dir], 30_000);
    if (r.unreachable) throw new SchedulerUnreachableError(r.unreachable);
    if (r.exitCode === 0) return null;
    return {
      problem:
        `the sweep directory ${dir} is not a writable directory on ${this.where} at the same path ` +
        '(with `host:`, the jobs write their records into the sweep directory, and hsm reads them here)',
      fix:
        "put `defaults.output_dir` (and the project) on the cluster's shared filesystem, mounted on this " +
        'machine at the same path and writable by your user on the cluster, or run hsm on the login node',
    };
  }

  private async ssh(
    argv: readonly string[],
    timeoutMs: number,
  ): Promise<SchedulerResult & { ms: number; unreachable: string | null }> {
    const env = Object.entries(this.remoteEnv).map(([k, v]) => `${k}=${v}`);
    const line = quoteShellArgv(env.length > 0 ? ['env', ...env, ...argv] : argv);
    const started = Date.now();
    const r = await runCommand(buildSshArgv(this.endpoint.destination, line, this.endpoint.client), {
      timeoutMs,
    });
    const ms = Date.now() - started;
    const timedOut = r.signal === 'SIGTERM' && ms >= timeoutMs;
    // the scheduler's commands never start sshd's way of failing: exit 255 is ssh's own
    const failure = timedOut ? null : classifySshFailure(r.exitCode, r.stderr, false);
    const unreachable = failure
      ? `the login node ${this.where} cannot be reached over ssh: ${failure.message}; fix: ${sshFailureHint(this.where, failure.message)}`
      : null;
    return {
      ...r,
      exitCode: timedOut || failure ? null : r.exitCode,
      // a program the login node's shell cannot find: `command not found`, exit 127
      missing: r.exitCode === 127,
      timedOut,
      unreachable,
      ms,
    };
  }
}

import type { SourceLog } from '../../engine/log-port.js';
import { runCommand, type CommandResult } from '../../process/run-command.js';

// Runs the scheduler's commands (sbatch, squeue, sacct, scancel...) with argv, never a shell
// string, each under a deadline, and counts them: how many calls a sweep costs the scheduler is
// part of what hsm promises (one status call per poll round, arrays instead of a job per task).

export interface SchedulerCall {
  argv: readonly string[];
  /** Deadline; a call that does not answer in time is ended and reported with exitCode null. */
  timeoutMs: number;
}

export interface SchedulerResult extends CommandResult {
  /** The program could not be started at all (not installed, not on PATH). */
  missing: boolean;
  timedOut: boolean;
  /** The commands run elsewhere (a login node over ssh) and that place could not be reached: the
   * cause and the fix. The scheduler was not asked. */
  unreachable?: string | null;
}

export interface SchedulerClient {
  run(call: SchedulerCall): Promise<SchedulerResult>;
  /** Calls issued so far, by program. */
  readonly counts: ReadonlyMap<string, number>;
  /** Commands run elsewhere (a login node): null when `dir` is there at the same path and writable
   * (the jobs write their records in it), else why not and the fix. */
  checkSharedDir?(dir: string): Promise<{ problem: string; fix: string } | null>;
}

/** Runs the commands on this machine (hsm runs where sbatch is: a login node). */
export class LocalSchedulerClient implements SchedulerClient {
  private readonly byProgram = new Map<string, number>();

  constructor(
    private readonly log: SourceLog,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get counts(): ReadonlyMap<string, number> {
    return this.byProgram;
  }

  async run(call: SchedulerCall): Promise<SchedulerResult> {
    const program = call.argv[0]!;
    this.byProgram.set(program, (this.byProgram.get(program) ?? 0) + 1);
    const started = Date.now();
    const r = await runCommand(call.argv, { env: this.env, timeoutMs: call.timeoutMs });
    const timedOut = r.signal === 'SIGTERM' && Date.now() - started >= call.timeoutMs;
    // the program and how it ended (never its arguments' values: paths and names only, but few)
    this.log.command(program, Date.now() - started, {
      exit: timedOut ? null : r.exitCode,
      ...(timedOut ? { timed_out: true } : {}),
      ...(r.error ? { error: r.error } : {}),
    });
    return {
      ...r,
      exitCode: timedOut ? null : r.exitCode,
      missing: r.error !== null && /ENOENT/.test(r.error),
      timedOut,
    };
  }
}

// The logging port: how the engine and every compute source say what they did, for logs/sweep.log
// (one JSON object per line) and logs/sources/<name>.log (the lines of one source). The adapter is
// state/sweep-log.ts; `hsm run -v` mirrors every line to stderr.
//
// A compute source gets its log from its SweepContext: `sourceLogOf(context, this.name)`
// (compute/source-context.ts), and reports through it
//   - every command it runs (an ssh call, sbatch, squeue, scancel, a batch handed to a runner):
//     `log.command('sbatch', ms, { tasks: 4, exit: 0 })`, or `timedCommand(log, 'sbatch', run)`;
//   - what else is worth reading after the fact: `log.event('warn', 'host:down', { reason })`.
// Task state changes are logged by the engine, not by sources.
//
// Never put a secret in a field: no environment values, tokens, passwords, nor whole scripts (a
// task's command.sh holds its environment). Name the command and count its tasks instead. Fields
// whose names look secret are redacted by the adapter as a last guard, not as the rule.
//
// Calls are cheap (a line is formatted and buffered; the adapter appends in batches): log freely,
// but once per command or per batch, not per byte.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

export interface SourceLog {
  /** One line: `event` is `noun:verb` (`runner:exit`, `host:down`); `fields` are plain JSON values. */
  event(level: LogLevel, event: string, fields?: LogFields): void;
  /** A command the source ran, with its duration in milliseconds and what came of it (`exit`,
   * `error`, `tasks`): one `source:command` line. */
  command(command: string, ms: number, fields?: LogFields): void;
}

export interface SweepLogger extends SourceLog {
  /** The log of one compute source: its lines go to logs/sources/<name>.log and to sweep.log. */
  source(name: string): SourceLog;
}

const silent: SweepLogger = {
  event: () => {},
  command: () => {},
  source: () => silent,
};

/** A logger that writes nothing (tests, and callers with no sweep directory). */
export const SILENT_LOG: SweepLogger = silent;

/** Runs `run`, then logs it as a command with its duration; `describe` adds fields from its result.
 * A rejection is logged with its message and rethrown. */
export async function timedCommand<T>(
  log: SourceLog,
  command: string,
  run: () => Promise<T>,
  describe?: (result: T) => LogFields,
): Promise<T> {
  const t0 = performance.now();
  try {
    const result = await run();
    log.command(command, performance.now() - t0, describe?.(result));
    return result;
  } catch (err) {
    log.command(command, performance.now() - t0, {
      error: err instanceof Error ? err.message : String(err),
    });
    throw err;
  }
}

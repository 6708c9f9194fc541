import type { TaskEnvironment } from './command-script.js';
import { SILENT_LOG, type SourceLog, type SweepLogger } from '../engine/log-port.js';

// What a compute source is told about the sweep it serves, by whoever builds it (api/).

/** A little durable state of one source in the sweep's store (e.g. the local runners' pids), so the
 * next hsm process can adopt what this one leaves behind. */
export interface SourceState {
  get(key: string): string | null;
  set(key: string, value: string): void;
}

export interface SweepContext {
  sweepId: string;
  /** The sweep directory on this machine. */
  sweepDir: string;
  /** Where the local task directories are (tasks/). */
  tasksDir: string;
  /** The project root on this machine. */
  projectRoot: string;
  /** The project's task environment (venv, conda env) before a source's own fields. */
  environment: TaskEnvironment;
  /** Durable state of a source, by source name. */
  state(source: string): SourceState;
  /** The program the tasks run (argv[0] of the first task): a remote host is checked for it. */
  program: string | null;
  /** Checks (or, with --sync, makes) the project on a remote source equal to the local one before
   * tasks run there; a problem comes back as a message and its fix. */
  verifyProject?: (source: string) => Promise<{ message: string; hint: string } | null>;
  /** ssh client config file (`ssh -F`) for remote sources. */
  sshConfigFile?: string;
  /** The sweep's logs (engine/log-port.ts): a source writes through `sourceLogOf(context, name)`,
   * one line per command it runs, with its duration. */
  log?: SweepLogger;
  /** Debug lines (also in the source's log). */
  onLog?: (line: string) => void;
  /** Progress of long steps the user should see as they happen (setup output, session starts). */
  progress?: (line: string) => void;
  /** Problems the user should see now (logged in the sweep log too). */
  warn?: (message: string) => void;
}

/** The log of source `name` (logs/sources/<name>.log and sweep.log); silent when the context has none. */
export function sourceLogOf(context: SweepContext, name: string): SourceLog {
  return (context.log ?? SILENT_LOG).source(name);
}

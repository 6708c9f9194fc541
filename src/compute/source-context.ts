import type { TaskEnvironment } from './command-script.js';

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
  /** Debug lines. */
  onLog?: (line: string) => void;
  /** Problems the user should see now (logged in the sweep log too). */
  warn?: (message: string) => void;
}

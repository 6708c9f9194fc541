// Vocabulary of `hsm exec`: nodes, transports and per-node results. Transports only build argv /
// drive sessions; fan-out, limits and output grouping live elsewhere in remote/.

/** One machine reachable by a transport. */
export interface NodeTarget {
  /** The name users see and node sets fold (`node01`). */
  name: string;
  /** What the transport connects to: an ssh destination, or an SSM target
   * (`sagemaker-cluster:<cluster-id>_<group>-<instance-id>`). Defaults to `name`. */
  target: string;
}

/** Result of one command on one node (the `nodes[]` item of `hsm exec --json`). */
export interface NodeResult {
  node: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Why the node could not run the command (connect failure, host key mismatch), else null. */
  error: string | null;
  durationMs: number;
  /** A script (--script, a named command's `run:` list): its commands that ran, in order. The node
   * stopped at the first that failed; the fields above are then those of that command (outputs:
   * of all the commands run). */
  steps?: StepResult[];
}

/** One command of a script on one node. */
export type StepResult = Omit<NodeResult, 'node' | 'steps'> & { command: string };

export interface RunOptions {
  /** Command timeout; output produced so far is kept and `timedOut` is set. */
  timeoutMs: number;
  /** Aborting interrupts the remote command (Ctrl-C). */
  signal?: AbortSignal;
  /** Raw bytes as they arrive, for --debug and --stream. */
  onData?: (stream: 'stdout' | 'stderr' | 'raw-in' | 'raw-out', chunk: string) => void;
  /** Something the user should know while the command runs (one line, no node name). */
  onNotice?: (text: string) => void;
}

/** How a command reaches a node: `ssh` (exec channel) or `shell` (interactive shell in a pty). */
export interface Transport {
  readonly kind: 'ssh' | 'shell';
  /** Runs one command (a shell command line, as the user typed it) on a node. Never throws for a
   * node-level failure: it is reported in the NodeResult. */
  run(node: NodeTarget, command: string, options: RunOptions): Promise<NodeResult>;
  /** Closes every session / master connection this transport opened. */
  close(): Promise<void>;
}

// The result of a node that did not run the command (interrupted, no session, connection failure).
export function nodeErrorResult(node: NodeTarget, error: string, durationMs = 0): NodeResult {
  return { node: node.name, exitCode: null, stdout: '', stderr: '', timedOut: false, error, durationMs };
}

import { spawn } from 'node:child_process';

// Runs a program with argv (never a shell string) and collects its output. Results and failures have
// the same shape, so callers read one thing; `error` is set only when the program could not start.
export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error: string | null;
}

export function runCommand(
  argv: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Uint8Array; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    const child = spawn(file!, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    // Our own timer, cleared on 'close': spawn's `timeout` option is cleared only on 'exit', which
    // a program that could not start (ENOENT) never emits, so hsm lingered for the whole timeout.
    const timer =
      options.timeoutMs === undefined ? null : setTimeout(() => child.kill('SIGTERM'), options.timeoutMs);
    let stdout = '';
    let stderr = '';
    let error: string | null = null;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (options.input !== undefined) {
      // a program may end without reading all of its input (rsync whose connection failed): the
      // write then fails with EPIPE, which must not end hsm; the program's exit says what happened
      child.stdin!.on('error', () => {});
      child.stdin!.end(options.input);
    }
    child.on('error', (err) => (error = err.message));
    child.on('close', (exitCode, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ exitCode, signal, stdout, stderr, error });
    });
  });
}

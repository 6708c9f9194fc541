// Lines the runner prints in `serve` mode (runner/hsm-runner.sh):
//   S <attempt> <pid> <task_dir>     the task started (its `started` record is written)
//   E <attempt> <status> <task_dir>  the task ended (its `exit` record is written)
export type RunnerMessage =
  | { kind: 'S'; attempt: number; pid: number; taskDir: string }
  | { kind: 'E'; attempt: number; status: number; taskDir: string };

export function parseRunnerLine(line: string): RunnerMessage | null {
  const m = /^([SE]) (\d+) (\d+) (.+)$/.exec(line);
  if (!m) return null;
  const [, kind, attempt, n, taskDir] = m;
  return kind === 'S'
    ? { kind: 'S', attempt: Number(attempt), pid: Number(n), taskDir: taskDir! }
    : { kind: 'E', attempt: Number(attempt), status: Number(n), taskDir: taskDir! };
}

export function formatRunLine(attempt: number, taskDir: string): string {
  return `RUN ${attempt} ${taskDir}\n`;
}

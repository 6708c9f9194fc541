// Lines the runner prints in `serve` mode (runner/hsm-runner.sh):
//   S <attempt> <pid> <task_dir>     the task started (its `started` record is written)
//   E <attempt> <status> <task_dir>  the task ended (its `exit` record is written)
//   X <attempt> 0 <task_dir>         the task was withdrawn (marker file) before it started
//   W <attempt> 0 <task_dir>         not started: its records could not be written (disk full)
export type RunnerMessage =
  | { kind: 'S'; attempt: number; pid: number; taskDir: string }
  | { kind: 'E'; attempt: number; status: number; taskDir: string }
  | { kind: 'X' | 'W'; attempt: number; taskDir: string };

export function parseRunnerLine(line: string): RunnerMessage | null {
  const m = /^([SEXW]) (\d+) (\d+) (.+)$/.exec(line);
  if (!m) return null;
  const [, kind, attempt, n, taskDir] = m;
  if (kind === 'S') return { kind: 'S', attempt: Number(attempt), pid: Number(n), taskDir: taskDir! };
  if (kind === 'E') return { kind: 'E', attempt: Number(attempt), status: Number(n), taskDir: taskDir! };
  return { kind: kind as 'X' | 'W', attempt: Number(attempt), taskDir: taskDir! };
}

export function formatRunLine(attempt: number, taskDir: string): string {
  return `RUN ${attempt} ${taskDir}\n`;
}

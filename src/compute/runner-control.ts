import { writeFileSync } from 'node:fs';
import { processGroupOf } from '../process/process-liveness.js';

// The two ways hsm stops an attempt on this machine, each in one place: withdrawing one a runner has
// not started yet (a marker the runner checks before starting it: runner/hsm-runner.sh), and
// signalling a started one's whole process group (the runner gives each task its own group). On a
// remote host the runner script does both itself (`hsm-runner.sh withdraw|kill`).

export function withdrawalMarker(taskDir: string, attempt: number): string {
  return `${taskDir}/withdrawn.${attempt}`;
}

export function withdrawLocally(taskDir: string, attempt: number): void {
  try {
    writeFileSync(withdrawalMarker(taskDir, attempt), '');
  } catch {
    /* no task directory: the attempt was never prepared, so nothing can start it */
  }
}

/** Sends `signal` to the process group led by `pid`; false when it is gone, or refused: never this
 * process's own group (hsm started without a session of its own shares it with the shell or program
 * that started it, a test runner for one), nor what `kill(0)` and `kill(-1)` mean (that group, every
 * process). A pid read from a damaged record or a reused one must not reach them. */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || pid === ownGroup()) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

let ownGroupId: number | null | undefined;
function ownGroup(): number | null {
  if (ownGroupId === undefined) ownGroupId = processGroupOf('self');
  return ownGroupId;
}

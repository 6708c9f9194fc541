import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { waitForExit } from './cli.js';

// The soak test kills `hsm complete`s after a random delay and then waits for them; one that had
// already exited (it lost the lock race, or finished) emitted 'exit' before anyone listened, and the
// wait hung until the test's timeout.
describe('waitForExit', () => {
  it('resolves for a child that exited before the wait began', async () => {
    const child = spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' });
    await new Promise((r) => child.once('exit', r));
    await expect(waitForExit(child)).resolves.toEqual({ code: 3, signal: null });
  });

  it('resolves for a child killed while the wait is on', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    const exited = waitForExit(child);
    child.kill('SIGKILL');
    await expect(exited).resolves.toEqual({ code: null, signal: 'SIGKILL' });
  });
});

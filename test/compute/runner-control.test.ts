import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { signalProcessGroup } from '../../src/compute/runner-control.js';
import { processGroupOf } from '../../src/process/process-liveness.js';
import { freezeTree } from '../../src/process/process-tree.js';

// hsm signals a task's process group by a pid it read from a record. Whatever that pid, the signal
// must never reach hsm's own group (which, for an hsm started without a session of its own, holds
// the shell or test runner that started it), nor mean kill(0) or kill(-1). SIGWINCH is ignored by
// default: were a guard missing, these tests would fail without harming the test runner.

describe('signals hsm refuses to send', () => {
  it('never to its own process group, to group 0 or 1, or to itself', () => {
    const own = processGroupOf('self');
    expect(own).toBeGreaterThan(1);
    for (const pid of [own!, 0, 1, -1, process.pid]) expect(signalProcessGroup(pid, 'SIGWINCH')).toBe(false);
  });

  it('signals the group of another session', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const gone = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_c, s) => r(s)));
    expect(signalProcessGroup(child.pid!, 'SIGTERM')).toBe(true);
    expect(await gone).toBe('SIGTERM');
  });

  it('freezes no process of its own group', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' }); // in this process's group
    try {
      expect(await freezeTree([child.pid!])).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

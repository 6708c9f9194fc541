import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm } from '../../helpers/cli.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import { ssmProject } from './ssm-project.js';

// A timeout on a session source kills the task's whole process group on its node (the task and
// what it started), through the node's session: nothing of it is left running there. On node22:
// ssm-source.test.ts kills node23 mid-way, and CI may run the two files at the same time.

beforeAll(() => ensureBuilt());

// The test hosts are network namespaces sharing this machine's process table: a process left on
// the node is seen here. The pattern's first letter in brackets keeps pgrep from finding itself.
function leftRunning(pattern: string): string {
  try {
    return execFileSync('pgrep', ['-af', `[${pattern[0]}]${pattern.slice(1)}`], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

describe.skipIf(NO_INFRA)('ssm source timeouts', () => {
  it('--timeout kills the task and its children on the node; the task is recorded timeout', () => {
    const marker = `hsmssmto${process.pid}`;
    const p = ssmProject(
      `command: ["bash", "-c", "sleep 3017 & exec -a ${marker} sleep 300"]\nargs: none\nsweep:\n  grid:\n    i: [1]\n`,
      { nodes: 'node22', workdir: 'hsm-ssm/timeout' },
    );
    const r = hsm(['run', '--source', 'pty', '--sync', '--timeout', '3s', '--sweep-id', 'to'], p.dir);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.code, r.stderr).toBe(1);
    const status = JSON.parse(hsm(['status', 'to', '--json'], p.dir).stdout) as {
      tasks: { status: string; termination_reason: string; host: string }[];
    };
    expect(status.tasks[0]).toMatchObject({
      host: 'node22',
      termination_reason: 'timeout',
      signal: 'SIGTERM',
    });
    expect(leftRunning(marker)).toBe('');
    expect(leftRunning('sleep 3017')).toBe('');
  });
});

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../src/process/process-liveness.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/wait.js';

// The test infrastructure's scripts stop daemons by their pid files (slurm-up.sh when Slurm's
// configuration changed, down.sh). A pid file left by a daemon that died names whatever process has
// that pid since (a test runner's worker, another developer's shell): kill_pidfile signals it only
// once its command line shows it is the daemon, and removes the file either way.

const LIB = resolve(__dirname, '../../scripts/infra/lib.sh');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

// A process whose argv[0] is `name` (bash's exec -a), sleeping.
async function processNamed(name: string): Promise<number> {
  const child = spawn('bash', ['-c', `exec -a ${name} sleep 300`], { stdio: 'ignore' });
  children.push(child);
  await until(`${name} to run`, () =>
    spawnSync('ps', ['-o', 'args=', '-p', String(child.pid)], { encoding: 'utf8' }).stdout.startsWith(name),
  );
  return child.pid!;
}

function killPidfile(pidFile: string, program: string): void {
  const r = spawnSync(
    'bash',
    ['-c', `set -euo pipefail; . "$1"; kill_pidfile "$2" "$3"`, 'test', LIB, pidFile, program],
    {
      encoding: 'utf8',
    },
  );
  expect(r.status, r.stderr).toBe(0);
}

describe('kill_pidfile (scripts/infra/lib.sh)', () => {
  it('stops the daemon its pid file names, and only that daemon', async () => {
    const dir = makeTempDir('hsm-infra-lib-');
    const pf = join(dir, 'slurmd-node1.pid');
    const daemon = await processNamed('/usr/sbin/slurmd');
    writeFileSync(pf, `${daemon}\n`);
    killPidfile(pf, 'slurmd');
    expect(isProcessAlive(daemon)).toBe(false);
    expect(existsSync(pf)).toBe(false);

    // stale pid files naming other processes: a shell's sleep, a daemon of another name
    for (const other of [await processNamed('sleep'), await processNamed('slurmdbd')]) {
      writeFileSync(pf, `${other}\n`);
      killPidfile(pf, 'slurmd');
      expect(isProcessAlive(other), `pid ${other} signalled`).toBe(true);
      expect(existsSync(pf)).toBe(false);
    }
    killPidfile(join(dir, 'missing.pid'), 'slurmd'); // no file: nothing to do, no error
  });
});

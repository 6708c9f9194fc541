import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HSM_BIN, ensureBuilt, hsm, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// A sweep directory the user cannot write (another user's sweep, an archive): the read commands work.
// As root (whom permissions do not stop) the commands run as `nobody`; otherwise the directory is
// made read-only with chmod.

const asRoot = process.getuid?.() === 0;
const home = makeTempDir('hsm-ro-home-');
chmodSync(home, 0o777);

function readOnlyHsm(args: string[], cwd: string) {
  const argv = asRoot
    ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, HSM_BIN, ...args]
    : [process.execPath, HSM_BIN, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), {
    cwd,
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, NO_COLOR: '1', HOME: home },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function makeReadOnly(dir: string): void {
  chmodSync(dir, 0o755); // mkdtemp makes it private
  if (asRoot) return; // nobody cannot write root's 755 directories
  spawnSync('chmod', ['-R', 'a-w', join(dir, 'sweeps', 'outputs')]);
}

beforeAll(() => ensureBuilt());

describe('read commands on a read-only sweep directory', () => {
  it('status, status --json, recent, logs work and change nothing', () => {
    const dir = makeProject(
      'command: ["sh", "-c", "echo out {i}"]\nargs: none\nsweep:\n  grid:\n    i: [1, 2]\n',
    );
    expect(hsm(['run', '--sweep-id', 'ro'], dir).code).toBe(0);
    makeReadOnly(dir);
    const before = readdirSync(join(dir, 'sweeps', 'outputs', 'ro')).sort();

    const status = readOnlyHsm(['status', 'ro'], dir);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/2 tasks: 2 completed/);
    const json = readOnlyHsm(['status', 'ro', '--json'], dir);
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as { counts: { completed: number } }).counts.completed).toBe(2);
    const recent = readOnlyHsm(['recent'], dir);
    expect(recent.code, recent.stderr).toBe(0);
    expect(recent.stdout).toMatch(/^ro .*2 tasks: 2 completed/m);
    const logs = readOnlyHsm(['logs', 'ro', '2'], dir);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toBe('out 2\n');

    expect(readdirSync(join(dir, 'sweeps', 'outputs', 'ro')).sort()).toEqual(before);
  });

  // needs a second user: as root, the run is root's and the reader nobody
  it.runIf(asRoot)(
    'status of a sweep another user is running (its store has a write-ahead log)',
    async () => {
      const dir = makeProject('command: ["sleep", "{s}"]\nargs: none\nsweep:\n  grid:\n    s: [0, 30]\n');
      const run = hsmAsync(['run', '--sweep-id', 'live'], dir);
      makeReadOnly(dir);
      try {
        let counts: Record<string, number> = {};
        for (let i = 0; i < 400 && counts.completed !== 1; i++) {
          const r = readOnlyHsm(['status', 'live', '--json'], dir);
          if (r.code === 0) counts = (JSON.parse(r.stdout) as { counts: Record<string, number> }).counts;
          else expect(r.stderr).toMatch(/no sweep matches|no sweeps/); // not created yet
          await new Promise((res) => setTimeout(res, 25));
        }
        expect(counts).toMatchObject({ completed: 1, running: 1 });
      } finally {
        run.kill('SIGINT');
        await waitForExit(run);
      }
    },
  );
});

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { findRunnerScript } from '../../../src/compute/local/runner-path.js';
import { TaskCgroups } from '../../../src/compute/local/task-tree.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// The local runner under sh (dash) where it has a cgroup, which then holds its tasks' trees, and
// under bash with job control (each task its own process group) where it has none: a runner started
// under sh whose cgroup cannot be joined re-executes itself under bash. Either way the task records
// its start, exit and pid the same way, and SIGINT is not ignored by the task.

const cgroups = TaskCgroups.create();

interface Seen {
  lines: string[];
  dir: string;
}

// Runs one task (`command.sh` of a task directory) through `sh hsm-runner.sh serve`.
async function runOne(env: NodeJS.ProcessEnv): Promise<Seen> {
  const base = makeTempDir('hsm-runner-');
  const dir = join(base, 'task_001');
  mkdirSync(dir);
  // the task reports its pid, its process group and how SIGINT is handled (SigIgn bit 2 = SIGINT)
  writeFileSync(
    join(dir, 'command.sh'),
    `exec sh -c 'echo "$$ $(ps -o pgid= -p $$ | tr -d " ") $(awk "/^SigIgn/ {print \\$2}" /proc/$$/status)" > ${dir}/seen'\n`,
  );
  const child = spawn('sh', [findRunnerScript(), 'serve'], {
    cwd: base,
    stdio: ['pipe', 'pipe', 'inherit'],
    detached: true,
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  const ended = new Promise<void>((resolve) =>
    createInterface({ input: child.stdout! }).on('line', (l) => {
      lines.push(l);
      if (l.startsWith('E ')) resolve();
    }),
  );
  child.stdin!.write('RUN 1 task_001\n');
  await ended;
  child.stdin!.end();
  await new Promise((r) => child.once('exit', r));
  return { lines, dir };
}

function check(seen: Seen): { pid: number; pgid: number; sigIgn: bigint; started: string } {
  const [pid, pgid, sigIgn] = readFileSync(join(seen.dir, 'seen'), 'utf8').trim().split(' ');
  const started = readFileSync(join(seen.dir, 'started'), 'utf8');
  expect(seen.lines).toEqual([`S 1 ${pid} task_001`, 'E 1 0 task_001']);
  expect(started).toMatch(new RegExp(`^attempt=1 pid=${pid} host=\\S+`));
  expect(readFileSync(join(seen.dir, 'exit'), 'utf8')).toBe('attempt=1 exit=0\n');
  return { pid: Number(pid), pgid: Number(pgid), sigIgn: BigInt(`0x${sigIgn}`), started };
}

describe('the local runner', () => {
  it('without a cgroup: re-executed under bash, each task in its own process group', async () => {
    const r = check(await runOne({ HSM_RUNNER_CGROUP: '/nonexistent/hsm-cgroup' }));
    expect(r.pgid).toBe(r.pid);
    expect(r.started).not.toContain('cgroup=');
    expect(r.sigIgn & 2n).toBe(0n); // SIGINT not ignored
  });

  describe.skipIf(cgroups === null)('with a cgroup (needs a writable cgroup v2, as root here)', () => {
    const cg = cgroups?.prepare() ?? '';
    afterAll(() => {
      try {
        rmdirSync(cg);
      } catch {
        /* its last process is being reaped */
      }
      cgroups?.sweep(true);
    });

    it('under sh: the task runs in the cgroup, in the foreground, with SIGINT not ignored', async () => {
      const r = check(await runOne({ HSM_RUNNER_CGROUP: cg }));
      expect(r.started.trimEnd().endsWith(` cgroup=${cg}`)).toBe(true);
      expect(r.pgid).not.toBe(r.pid); // the runner's group: the cgroup is the tree
      expect(r.sigIgn & 2n).toBe(0n);
    });
  });
});

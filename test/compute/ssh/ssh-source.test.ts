import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, waitForExit } from '../../helpers/cli.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import { hostHome, sshProject } from './ssh-project.js';
import { until } from '../../helpers/wait.js';
import { expectEachRanOnce } from '../../helpers/ledger.js';

// The ssh compute source against the real sshd host node18 (scripts/infra; node17 is broken on
// purpose by host-failures.test.ts and node19 killed by host-death.test.ts, which may run at the
// same time): tasks run detached on the host from the project's copy there, their directories
// come back with rsync.

const HOSTILE = [
  'two words',
  `it's "quoted"`,
  '$(touch /tmp/hsm-ssh-pwned-1)',
  '; touch /tmp/hsm-ssh-pwned-2',
  '`touch /tmp/hsm-ssh-pwned-3`',
  'line1\nline2',
  'ünïcødé ✓ 日本',
  "'; rm -rf / #",
  '\\backslash\\',
];

const DUMP = `import json, os, sys
open(os.path.join(os.environ['HSM_TASK_DIR'], 'argv.json'), 'w').write(json.dumps({'argv': sys.argv[1:], 'cwd': os.getcwd(), 'dir': os.environ['HSM_TASK_DIR']}))
print('ran', os.uname().nodename)
`;

beforeAll(() => {
  ensureBuilt();
  for (let i = 1; i <= 3; i++) rmSync(`/tmp/hsm-ssh-pwned-${i}`, { force: true });
});

describe.skipIf(NO_INFRA)('ssh source on real hosts', () => {
  it('hostile values and a workdir with spaces survive the ssh hop byte for byte; a script in a subdirectory runs from the project root; results come back', () => {
    const workdir = `~/hsm ws/it's "here"/proj`;
    const p = sshProject(
      `command: ["python3", "tools/dump argv.py", "pre-{v}-post"]\nargs: flags\nsweep:\n  grid:\n    v: ${JSON.stringify(HOSTILE)}\n`,
      [{ name: 'n18', host: 'node18', workdir }],
      { 'tools/dump argv.py': DUMP },
    );
    const r = hsm(['run', '--source', 'n18', '--sync', '--sweep-id', 'hostile', ...p.args], p.dir);
    expect(r.stderr).toContain('pushed the project to source n18');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.code, r.stderr).toBe(0);
    const root = join(hostHome('node18'), `hsm ws/it's "here"/proj`);
    HOSTILE.forEach((value, i) => {
      const task = `task_${String(i + 1).padStart(3, '0')}`;
      const local = join(p.dir, 'sweeps', 'outputs', 'hostile', 'tasks', task);
      // collected: the task's own file, its logs and the runner's records, next to params.yaml
      const got = JSON.parse(readFileSync(join(local, 'argv.json'), 'utf8')) as Record<string, unknown>;
      expect(got.argv).toEqual([`pre-${value}-post`, '--v', value]);
      expect(got.cwd).toBe(root.replace(hostHome('node18'), '/home/hsmtest'));
      expect(got.dir).toBe(`/home/hsmtest/hsm ws/it's "here"/proj/.hsm/sweeps/hostile/tasks/${task}`);
      expect(readFileSync(join(local, 'stdout.log'), 'utf8')).toBe('ran node18\n');
      expect(readFileSync(join(local, 'exit'), 'utf8')).toBe('attempt=1 exit=0\n');
      expect(readFileSync(join(local, 'started'), 'utf8')).toMatch(/^attempt=1 pid=\d+ host=node18\n$/);
      expect(existsSync(join(local, 'params.yaml'))).toBe(true);
    });
    for (let i = 1; i <= 3; i++) expect(existsSync(`/tmp/hsm-ssh-pwned-${i}`)).toBe(false);
    const status = JSON.parse(hsm(['status', 'hostile', '--json'], p.dir).stdout) as {
      tasks: { status: string; source: string; host: string }[];
    };
    expect(
      status.tasks.every((t) => t.status === 'completed' && t.source === 'n18' && t.host === 'node18'),
    ).toBe(true);
    // the source's commands, each timed, in its own log (and in sweep.log)
    const log = readFileSync(
      join(p.dir, 'sweeps', 'outputs', 'hostile', 'logs', 'sources', 'n18.log'),
      'utf8',
    )
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; command?: string; ms?: number; host?: string });
    const commands = log.filter((l) => l.event === 'source:command');
    expect(commands.map((c) => c.command)).toEqual(expect.arrayContaining(['prepare', 'rsync collect']));
    expect(commands.every((c) => typeof c.ms === 'number' && c.host === 'node18')).toBe(true);
    expect(readFileSync(join(p.dir, 'sweeps', 'outputs', 'hostile', 'logs', 'sweep.log'), 'utf8')).toContain(
      '"command":"prepare"',
    );
  });

  it('a failed task is collected at once with an error summary (exit code, stderr tail, host load, memory, disk); hsm collect brings back what is missing', () => {
    const p = sshProject(
      `command: ["sh", "-c", "echo 'CUDA out of memory' >&2; exit {rc}"]\nargs: none\nsweep:\n  grid:\n    rc: [0, 7]\n`,
      [{ name: 'n18', host: 'node18', workdir: '~/hsm/failsum' }],
    );
    const r = hsm(['run', '--source', 'n18', '--sync', '--sweep-id', 'fs', ...p.args], p.dir);
    expect(r.code).toBe(1);
    const summary = readFileSync(join(p.dir, 'sweeps/outputs/fs/tasks/task_002/error_summary.yaml'), 'utf8');
    expect(summary).toContain('exit_status: 7');
    expect(summary).toContain('host: "node18"');
    expect(summary).toMatch(/host_load_1m: "\d+\.\d+"/);
    expect(summary).toMatch(/host_mem_available_kb: "\d+"/);
    expect(summary).toMatch(/host_disk_available_kb: "\d+"/);
    expect(summary).toContain('stderr_tail: "CUDA out of memory\\n"');
    expect(existsSync(join(p.dir, 'sweeps/outputs/fs/tasks/task_001/error_summary.yaml'))).toBe(false);

    // a finished task whose directory is not here (the run was killed before collecting it):
    // hsm collect brings it back; one already here is left alone
    const t1 = join(p.dir, 'sweeps/outputs/fs/tasks/task_001');
    for (const f of ['exit', 'started', 'stdout.log', 'stderr.log']) rmSync(join(t1, f));
    const c = hsm(['collect', 'fs', '--json', ...p.args], p.dir);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ sweep_id: 'fs', collected: ['task_001'], missing: [] });
    expect(readFileSync(join(t1, 'exit'), 'utf8')).toBe('attempt=1 exit=0\n');
    expect(readFileSync(join(t1, 'stderr.log'), 'utf8')).toBe('CUDA out of memory\n');
  });

  it('kill -9 of hsm mid-sweep, then hsm complete: tasks still running on the host are adopted, none runs twice, all results collected', async () => {
    const N = 8;
    const p = sshProject(
      `command: ["sh", "-c", "echo start {i} >> ~/ledger-adopt; sleep 2; echo end {i} >> ~/ledger-adopt; echo result {i} > $HSM_TASK_DIR/result.txt"]\nargs: none\nsweep:\n  grid:\n    i: [${Array.from({ length: N }, (_, i) => i + 1).join(', ')}]\n`,
      [{ name: 'n18', host: 'node18', workdir: '~/hsm/adopt', extra: 'max_parallel: 3' }],
    );
    const ledger = join(hostHome('node18'), 'ledger-adopt');
    rmSync(ledger, { force: true });
    const child = hsmAsync(['run', '--source', 'n18', '--sync', '--sweep-id', 'adopt', ...p.args], p.dir);
    // kill once some tasks have started on the host
    await until(
      'a task started on the host',
      () => existsSync(ledger) && readFileSync(ledger, 'utf8').includes('start'),
      60_000,
    );
    child.kill('SIGKILL');
    await waitForExit(child);
    const mid = readFileSync(ledger, 'utf8');
    expect(mid).toMatch(/start/);
    expect(mid.match(/end/g)?.length ?? 0).toBeLessThan(N);

    const done = hsm(['complete', 'adopt', '--json', ...p.args], p.dir);
    expect(done.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(done.code, done.stderr).toBe(0);
    expectEachRanOnce(readFileSync(ledger, 'utf8').trim().split('\n'), N);
    for (let i = 1; i <= N; i++) {
      const local = join(p.dir, 'sweeps/outputs/adopt/tasks', `task_00${i}`);
      expect(readFileSync(join(local, 'result.txt'), 'utf8')).toBe(`result ${i}\n`);
    }
    const status = JSON.parse(done.stdout) as { counts: { completed: number }; tasks: { host: string }[] };
    expect(status.counts.completed).toBe(N);
    // without --source, `hsm complete` goes on where the run ran
    expect(status.tasks.every((t) => t.host === 'node18')).toBe(true);
  });

  it('setup runs once per host, again only when a file it names changes; a failing setup stops that host with its log tail', () => {
    const count = join(hostHome('node18'), `setup-count-${process.pid}`);
    rmSync(count, { force: true });
    const setup = `echo ran >> ~/setup-count-${process.pid}; cat requirements.txt > .hsm/deps`;
    const p = sshProject(
      `command: ["sh", "-c", "cat .hsm/deps"]\nargs: none\nsweep:\n  grid:\n    i: [1, 2]\n`,
      [{ name: 'n18', host: 'node18', workdir: '~/hsm/setup', extra: `setup: ${JSON.stringify(setup)}` }],
      { 'requirements.txt': 'numpy==1\n' },
    );
    const run = (id: string) => hsm(['run', '--source', 'n18', '--sync', '--sweep-id', id, ...p.args], p.dir);
    expect(run('s1').code).toBe(0);
    expect(run('s2').code).toBe(0);
    expect(readFileSync(count, 'utf8')).toBe('ran\n'); // once for both runs
    writeFileSync(join(p.dir, 'requirements.txt'), 'numpy==2\n');
    expect(run('s3').code).toBe(0);
    expect(readFileSync(count, 'utf8')).toBe('ran\nran\n');
    expect(readFileSync(join(p.dir, 'sweeps/outputs/s3/tasks/task_001/stdout.log'), 'utf8')).toBe(
      'numpy==2\n',
    );

    const bad = sshProject(`command: ["true"]\nargs: none\nsweep:\n  grid:\n    i: [1]\n`, [
      {
        name: 'n18',
        host: 'node18',
        workdir: '~/hsm/setupbad',
        extra: `setup: "echo building; echo 'no module named torch' >&2; exit 4"`,
      },
    ]);
    const r = hsm(['run', '--source', 'n18', '--sync', '--sweep-id', 'sb', ...bad.args], bad.dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/node18.*the setup failed \(exit 4\)/);
    expect(r.stderr).toMatch(/no module named torch/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

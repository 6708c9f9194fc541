import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// The package as a user gets it: `npm pack` (after the bundle and the declarations are built), the
// tarball installed into an empty TypeScript project, `npx hpc-sweep-manager`, and the API example
// type-checked and run against the installed package. Offline: the consumer project takes the
// package's dependencies (the native better-sqlite3 and node-pty, and yaml and @types/better-sqlite3,
// whose types the declarations use) and @types/node from this checkout's node_modules as local links,
// as a machine that already has them would; everything else comes from the tarball.

const ROOT = resolve(__dirname, '../..');
const NODE_MODULES = join(ROOT, 'node_modules');
const TSC = join(NODE_MODULES, 'typescript', 'bin', 'tsc');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

let work: string;
let consumer: string;
let tarball: string;

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, all: `${r.stdout}\n${r.stderr}` };
}

beforeAll(() => {
  work = makeTempDir('hsm-pack-');
  // What prepack does (bundle, then declarations), as the other CLI tests build: the bundle the same
  // way they do, the declarations into dist/types, which nothing else reads. `npm pack` itself then
  // skips prepack, so it does not rewrite dist/cli.js under tests running at the same time.
  ensureBuilt();
  const types = run('npm', ['run', '--silent', 'build:types'], ROOT);
  expect(types.code, types.all).toBe(0);
  const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
  expect(packed.code, packed.all).toBe(0);
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string }[];
  tarball = join(work, info!.filename);

  consumer = join(work, 'consumer');
  cpSync(join(ROOT, 'examples', 'api'), consumer, {
    recursive: true,
    filter: (src) => !/\/(out|outputs)$/.test(src),
  });
  const link = (name: string) => `file:${join(NODE_MODULES, name)}`;
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      type: 'module',
      dependencies: {
        'better-sqlite3': link('better-sqlite3'),
        'node-pty': link('node-pty'),
        yaml: link('yaml'),
        '@types/better-sqlite3': link('@types/better-sqlite3'),
        '@types/node': link('@types/node'),
      },
    }),
  );
  // --ignore-scripts: the links are built already (a linked directory would otherwise run its prepare).
  const installed = run(
    'npm',
    ['install', '--no-save', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', tarball],
    consumer,
  );
  expect(installed.code, installed.all).toBe(0);
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

// Packing builds the bundle and the declarations, and the compiler reads every declaration file: slow
// on a loaded machine, so the timeouts are generous.
describe('the packed package', { timeout: 180_000 }, () => {
  it('ships the bundle, the declarations and the runner, not the sources or tests', () => {
    const listed = run('tar', ['-tzf', tarball], work);
    expect(listed.code).toBe(0);
    const files = listed.stdout.split('\n').filter(Boolean);
    for (const f of [
      'package/bin/hsm.js',
      'package/dist/cli.js',
      'package/dist/cli.cjs',
      'package/dist/api.js',
      'package/dist/types/api/index.d.ts',
      'package/runner/hsm-runner.sh',
      'package/docs/api.md',
    ])
      expect(files).toContain(f);
    expect(files.filter((f) => /^package\/(src|test)\//.test(f))).toEqual([]);
    // the code cache `hsm run` leaves in dist/cache belongs to the machine that wrote it
    expect(files.filter((f) => f.startsWith('package/dist/cache'))).toEqual([]);
  });

  it('`npx hpc-sweep-manager` runs the hsm command', () => {
    const help = run('npx', ['--offline', pkg.name, '--help'], consumer);
    expect(help.code, help.all).toBe(0);
    expect(help.stdout).toMatch(/^Usage: hsm /);
    expect(help.stdout).toContain('run [options]');
    const version = run('npx', ['--offline', 'hsm', '--version'], consumer);
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  it('`hsm run` of the installed package runs a task, and again from its code cache', () => {
    // `run` starts from dist/cli.cjs, which must find the runner inside the installed package
    for (const word of ['first', 'second']) {
      const ran = run(
        'npx',
        ['--offline', 'hsm', 'run', '--cmd', `echo packaged-${word}`, '--json'],
        consumer,
      );
      expect(ran.code, ran.all).toBe(0);
      const out = JSON.parse(ran.stdout) as { sweep_dir: string };
      const log = readFileSync(join(out.sweep_dir, 'tasks', 'task_001', 'stdout.log'), 'utf8');
      expect(log).toBe(`packaged-${word}\n`);
    }
    const cache = join(consumer, 'node_modules', pkg.name, 'dist', 'cache');
    expect(readdirSync(cache).filter((f) => /^cli-[0-9a-f]+\.v8$/.test(f))).toHaveLength(1);
  });

  it('type-checks the example against the declarations, and rejects a program that misuses them', () => {
    // One compiler run (it is the slow step): the example must compile cleanly, and a wrong use of the
    // API must be an error that names the types (proof that they are real, not `any`).
    writeFileSync(
      join(consumer, 'misuse.ts'),
      "import { openProject } from 'hpc-sweep-manager';\nconst root: number = openProject('.').projectRoot;\nconsole.log(root);\n",
    );
    const checked = run(process.execPath, [TSC, '-p', '.', '--listEmittedFiles'], consumer);
    const errors = checked.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
    expect(errors, checked.all).toEqual([
      expect.stringMatching(
        /^misuse\.ts\(2,7\): error TS2322: Type 'string' is not assignable to type 'number'/,
      ),
    ]);
    expect(checked.stdout).toContain('out/run-sweep.js');
    expect(checked.stdout).toContain('out/submit-jobs.js');
  });

  it('runs the API example: plan, run with progress, stop, complete, statuses and metrics', () => {
    const ran = run(process.execPath, [join('out', 'run-sweep.js')], consumer);
    expect(ran.code, ran.all).toBe(0);
    expect(ran.stdout).toContain('plan: 6 tasks');
    expect(ran.stdout).toContain('task_001 python3 train.py lr=0.1 layers=2');
    // how many tasks the stop caught depends on timing; that the sweep ends complete does not
    expect(ran.stdout).toMatch(/^first run (stopped|ended): .*\d+ completed/m);
    expect(ran.stdout).toMatch(/^completing: \d+ tasks to run$/m);
    expect(ran.stdout).toContain('status: 6 completed');
    // every task reported its metric, read back through the API
    const losses = [...ran.stdout.matchAll(/^ {2}(task_\d+) completed \{.*\} loss=([\d.]+)$/gm)];
    expect(losses.map((m) => m[1])).toEqual([
      'task_001',
      'task_002',
      'task_003',
      'task_004',
      'task_005',
      'task_006',
    ]);
    expect(ran.stdout).toContain('best: task_004 {"lr":0.01,"layers":4}');
  });

  it('runs the job API example: submit, wait, logs, reopen by id, cancel', () => {
    const ran = run(process.execPath, [join('out', 'submit-jobs.js')], consumer);
    expect(ran.code, ran.all).toBe(0);
    expect(ran.stdout).toMatch(/^submitted api-jobs_\d{8}_\d{6}(_\d+)?\/task_001 and \S+\/task_002$/m);
    expect(ran.stdout).toMatch(/^train: completed, exit code 0, on local \(job id \d+\)$/m);
    expect(ran.stdout).toContain('train output: lr=0.01 layers=4 loss=0.2500');
    expect(ran.stdout).toContain('slow: running');
    expect(ran.stdout).toContain('slow after cancel: cancelled (cancelled)');
  });
});

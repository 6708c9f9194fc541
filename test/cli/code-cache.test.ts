import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, makeProject } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// `hsm run` and `hsm complete` start from dist/cli.cjs compiled with a V8 code cache that the first
// such run writes (bin/hsm.js). What users rely on: the runs work with no cache, with one, and with a
// damaged or stale one (never the code of another build); the cache is written once and then used.
// Each test has a package copy of its own: the suite's other files share the real dist/cache.

const ROOT = resolve(__dirname, '../..');
const SWEEP = 'name: two\ncommand: ["true", "{i}"]\nargs: none\nsweep:\n  grid:\n    i: [1, 2]\n';

function packageCopy(): string {
  const dir = makeTempDir('hsm-code-cache-');
  for (const part of ['bin', 'dist', 'runner', 'package.json'])
    cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function run(pkg: string, project: string, args: string[] = ['run', '--jobs', '2']) {
  const r = spawnSync(process.execPath, [join(pkg, 'bin/hsm.js'), ...args], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

const caches = (pkg: string) =>
  existsSync(join(pkg, 'dist/cache')) ? readdirSync(join(pkg, 'dist/cache')).sort() : [];

describe('the code cache of hsm run and hsm complete', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('is written by the first run, then used as it is; the second run still does its work', () => {
    const pkg = packageCopy();
    const project = makeProject(SWEEP);
    const first = run(pkg, project);
    expect(first.code, first.stderr).toBe(0);
    const [cache, ...more] = caches(pkg);
    expect(cache).toMatch(/^cli-[0-9a-f]{20}\.v8$/);
    expect(more).toEqual([]);
    const file = join(pkg, 'dist/cache', cache!);
    const before = statSync(file);
    const second = run(pkg, project);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/2 completed/);
    // accepted by V8: not written again
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
    expect(caches(pkg)).toEqual([cache]);
  });

  it('a damaged cache is not used: the run works and writes a good one in its place', () => {
    const pkg = packageCopy();
    const project = makeProject(SWEEP);
    expect(run(pkg, project).code).toBe(0);
    const [cache] = caches(pkg);
    const file = join(pkg, 'dist/cache', cache!);
    const good = readFileSync(file);
    writeFileSync(file, Buffer.alloc(good.length, 7));
    const r = run(pkg, project);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/2 completed/);
    expect(readFileSync(file).equals(Buffer.alloc(good.length, 7))).toBe(false);
  });

  it('another build of the CLI never uses the cache of the last one, even at the same length', () => {
    const pkg = packageCopy();
    const project = makeProject(SWEEP);
    expect(run(pkg, project).code).toBe(0);
    const [old] = caches(pkg);
    // a rebuild that changes a message but not the file's length: V8 checks a cache against the
    // source's length only, and would run the last build's code
    const bundle = join(pkg, 'dist/cli.cjs');
    const text = readFileSync(bundle, 'utf8');
    const was = '(stdout.log, stderr.log, params.yaml, status.yaml)';
    expect(text.split(was)).toHaveLength(2);
    writeFileSync(bundle, text.replace(was, was.toUpperCase()));
    const r = run(pkg, project);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(was.toUpperCase());
    const now = caches(pkg);
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(old); // the new build's cache in place of the last one's
  });
});

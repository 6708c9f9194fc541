import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, makeProject } from '../helpers/cli.js';

// Each command's module is imported only when that command runs (start-up time). What users see
// must not change: --help lists every command, each command parses and helps on its own, a typo
// gets commander's suggestion and exit 2, --version prints the package's version.

const COMMANDS = [
  'run',
  'complete',
  'watch',
  'status',
  'recent',
  'cancel',
  'logs',
  'validate',
  'show',
  'init',
  'exec',
  'errors',
  'results',
  'sync',
  'collect',
  'matrix',
  'report',
  'serve',
];
const cwd = tmpdir();

describe('commands loaded when they run', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('hsm --help lists every command, in order', () => {
    const r = hsm(['--help'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const listed = [...r.stdout.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]);
    expect(listed).toEqual([...COMMANDS, 'help']);
  });

  it.each(COMMANDS)('hsm %s --help (and after -v) names that command', (name) => {
    for (const args of [
      [name, '--help'],
      ['-v', name, '--help'],
    ]) {
      const r = hsm(args, cwd);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: hsm ${name} `));
    }
  });

  it('a misspelt command: commander suggests the closest, exit 2; an unknown option of a command: exit 2', () => {
    const typo = hsm(['resuls'], cwd);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("unknown command 'resuls'");
    expect(typo.stderr).toContain('Did you mean results?');
    expect(typo.stderr).toContain('hint: `hsm --help` lists the commands');
    const option = hsm(['results', '--jsn'], cwd);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('Did you mean --json?');
    expect(option.stderr).toContain('hint: `hsm results --help` lists its arguments and options');
  });

  it('a missing or extra argument: the error, then the help of that very (sub)command, exit 2, no stack', () => {
    for (const [args, error, help] of [
      [['logs', 'sweep_1'], "hsm: error: missing required argument 'task'", 'hsm logs --help'],
      [['status', 'a', 'b'], "hsm: error: too many arguments for 'status'", 'hsm status --help'],
      [['matrix', 'launch'], "hsm: error: missing required argument 'file'", 'hsm matrix launch --help'],
      [['-v', 'sync', 'chek', 'x'], "'chek' is invalid for argument 'action'", 'hsm sync --help'],
    ] as const) {
      const r = hsm([...args], cwd);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(error);
      expect(r.stderr).toContain(`hint: \`${help}\` lists its arguments and options`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('hsm --version, hsm help results, hsm -v results --help', () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as {
      version: string;
    };
    const v = hsm(['--version'], cwd);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(pkg.version);
    const help = hsm(['help', 'results'], cwd);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: hsm results /);
    const verbose = hsm(['-v', 'results', '--help'], cwd);
    expect(verbose.code).toBe(0);
    expect(verbose.stdout).toMatch(/^Usage: hsm results /);
  });

  it('a local run does not load node-pty (a native module only sessions use: ~11 ms of every start)', () => {
    const project = makeProject(
      'name: two\ncommand: ["true", "{i}"]\nargs: none\nsweep:\n  grid:\n    i: [1, 2]\n',
    );
    // at exit, the CommonJS modules the process loaded (the bundle's native modules come through require)
    const hook = join(project, 'loaded.mjs');
    const out = join(project, 'loaded.txt');
    writeFileSync(
      hook,
      `import { createRequire } from 'node:module';\nimport { writeFileSync } from 'node:fs';\n` +
        `const Module = createRequire(import.meta.url)('node:module');\n` +
        `process.on('exit', () => writeFileSync(${JSON.stringify(out)}, Object.keys(Module._cache).join('\\n')));\n`,
    );
    const r = hsm(['run', '--jobs', '2'], project, { NODE_OPTIONS: `--import ${hook}` });
    expect(r.code, r.stderr).toBe(0);
    const loaded = readFileSync(out, 'utf8');
    expect(loaded).toContain('better-sqlite3'); // the hook sees what the bundle requires
    expect(loaded).not.toContain('node-pty');
  });
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { makeTempDir } from '../helpers/temp-dir.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDefaultCommand, loadProjectConfig } from '../../src/config/index.js';
import { HsmError } from '../../src/domain/errors.js';

function project(files: Record<string, string>): { dir: string; home: string } {
  const dir = makeTempDir('hsm-config-');
  const home = makeTempDir('hsm-home-');
  mkdirSync(join(dir, '.git'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { dir, home };
}

function configError(fn: () => unknown): HsmError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HsmError) return err;
    throw err;
  }
  throw new Error('expected an HsmError');
}

describe('loadProjectConfig', () => {
  it('uses defaults when no file exists, with the git root as project root', () => {
    const { dir, home } = project({ 'src/x.py': '' });
    const config = loadProjectConfig(join(dir, 'src'), { homeDir: home });
    expect(config.file).toBeNull();
    expect(config.projectRoot).toBe(dir);
    expect(config.defaults).toMatchObject({ output_dir: 'sweeps/outputs', sweep_file: 'sweeps/sweep.yaml' });
    expect(buildDefaultCommand(config)).toBeNull();
  });

  it('reads hsm_config.yaml in the project root from a subdirectory, paths relative to the file', () => {
    const { dir, home } = project({
      'hsm_config.yaml': `
project:
  python_interpreter: .venv/bin/python
  training_script: scripts/train.py
  conda_env: ml
defaults: {jobs: 4, retries: 2, timeout: 5m, output_dir: runs}
sources:
  local: {type: local, max_parallel: 2}
  gpubox: {type: ssh, host: gpubox, workdir: ~/hsm/myproj, max_parallel: 4}
  cluster: {type: slurm, partition: gpu, time: "04:00:00", array_throttle: 50}
groups:
  gpu: node[01-16]
  mixed: [a1, "b[1-2]"]
`,
      'scripts/train.py': '',
    });
    const config = loadProjectConfig(join(dir, 'scripts'), { homeDir: home });
    expect(config.file).toBe(join(dir, 'hsm_config.yaml'));
    expect(config.projectRoot).toBe(dir);
    expect(config.project.python_interpreter).toBe(join(dir, '.venv/bin/python'));
    expect(config.project.training_script).toBe(join(dir, 'scripts/train.py'));
    expect(config.defaults).toEqual({
      jobs: 4,
      retries: 2,
      timeout: '5m',
      output_dir: 'runs',
      sweep_file: 'sweeps/sweep.yaml',
      on_interrupt: null,
    });
    expect(config.sources.gpubox).toEqual({
      type: 'ssh',
      host: 'gpubox',
      workdir: '~/hsm/myproj',
      max_parallel: 4,
    });
    expect(config.sources.cluster?.type).toBe('slurm');
    expect(config.groups).toEqual({ gpu: ['node[01-16]'], mixed: ['a1', 'b[1-2]'] });
    expect(buildDefaultCommand(config)).toEqual([join(dir, '.venv/bin/python'), 'scripts/train.py']);
  });

  it('finds sweeps/hsm_config.yaml, resolving paths from sweeps/', () => {
    const { dir, home } = project({ 'sweeps/hsm_config.yaml': 'project: {training_script: ../main.py}\n' });
    const config = loadProjectConfig(dir, { homeDir: home });
    expect(config.projectRoot).toBe(dir);
    expect(buildDefaultCommand(config)).toEqual(['python3', 'main.py']);
  });

  it('falls back to ~/.hsm/config.yaml', () => {
    const { dir, home } = project({});
    mkdirSync(join(home, '.hsm'));
    writeFileSync(join(home, '.hsm', 'config.yaml'), 'sources: {box: {type: ssh, host: box}}\n');
    const config = loadProjectConfig(dir, { homeDir: home });
    expect(config.file).toBe(join(home, '.hsm', 'config.yaml'));
    expect(config.projectRoot).toBe(dir);
    expect(Object.keys(config.sources)).toEqual(['box']);
  });

  it('reports every error at file:line:col with suggestions', () => {
    const { dir, home } = project({
      'hsm_config.yaml':
        'project:\n  trainig_script: t.py\ndefaults:\n  jobs: 0\nsources:\n  a: {type: slurmm}\n  b: {type: ssh}\n  c: {type: local, max_parallel: two}\n',
    });
    const err = configError(() => loadProjectConfig(dir, { homeDir: home }));
    expect(err.code).toBe('config');
    expect(err.evidence).toContain(
      'hsm_config.yaml:2:3: error: unknown key `trainig_script`; did you mean `training_script`?',
    );
    expect(err.evidence).toContain(
      'hsm_config.yaml:4:9: error: `jobs` must be an integer of at least 1, got 0',
    );
    expect(err.evidence).toContain(
      'hsm_config.yaml:6:13: error: source `a` has type "slurmm"; did you mean `slurm`?',
    );
    expect(err.evidence).toContain('source `b` (ssh) has no `host`');
    expect(err.evidence).toContain(
      'hsm_config.yaml:8:34: error: source `c`: `max_parallel` must be a positive integer, got "two"',
    );
  });

  it('reads defaults.on_interrupt (ask, cancel, leave) and refuses anything else', () => {
    const good = project({ 'hsm_config.yaml': 'defaults:\n  on_interrupt: leave\n' });
    expect(loadProjectConfig(good.dir, { homeDir: good.home }).defaults.on_interrupt).toBe('leave');
    const none = project({ 'hsm_config.yaml': 'defaults:\n  jobs: 2\n' });
    expect(loadProjectConfig(none.dir, { homeDir: none.home }).defaults.on_interrupt).toBeNull();
    const bad = project({ 'hsm_config.yaml': 'defaults:\n  on_interrupt: detach\n' });
    expect(configError(() => loadProjectConfig(bad.dir, { homeDir: bad.home })).evidence).toContain(
      'hsm_config.yaml:2:17: error: `on_interrupt` must be ask, cancel or leave, got "detach"',
    );
  });

  it('reads named commands for hsm exec @NAME, and points at bad ones', () => {
    const good = project({
      'hsm_config.yaml': `
commands:
  up: uptime
  gpu-check:
    nodes: "@gpu!gpu03"
    run: [nvidia-smi -L, "df -h /scratch"]
    timeout: 30s
`,
    });
    expect(loadProjectConfig(good.dir, { homeDir: good.home }).commands).toEqual({
      up: { nodes: null, run: ['uptime'], timeout: null },
      'gpu-check': { nodes: '@gpu!gpu03', run: ['nvidia-smi -L', 'df -h /scratch'], timeout: '30s' },
    });
    const bad = project({
      'hsm_config.yaml':
        'commands:\n  a: {nodes: n1}\n  b: {run: [ls, 3]}\n  c: {run: ls, timout: 5s}\n  d: {run: ls, timeout: soon}\n',
    });
    const err = configError(() => loadProjectConfig(bad.dir, { homeDir: bad.home }));
    expect(err.evidence).toContain('hsm_config.yaml:2:3: error: command `a` has no `run`');
    expect(err.evidence).toContain(
      'hsm_config.yaml:3:12: error: command `b` must run a command line or a list of them',
    );
    expect(err.evidence).toContain(
      'hsm_config.yaml:4:16: error: unknown key `timout`; did you mean `timeout`?',
    );
    expect(err.evidence).toContain(
      'hsm_config.yaml:5:25: error: `timeout` must be a duration longer than zero, got "soon"',
    );
  });

  it('checks the node sets of groups and commands, pointing at the file and the column', () => {
    const { dir, home } = project({
      'hsm_config.yaml':
        'groups:\n  gpu: ["gpu[1-4]", "gpu[8-5]"]\n  ok: "@gpu&gpu[1-2]"\ncommands:\n  c: {nodes: "n[1-3", run: ls}\n',
    });
    const err = configError(() => loadProjectConfig(dir, { homeDir: home }));
    expect(err.evidence).toContain(
      'hsm_config.yaml:2:21: error: group `gpu`: Invalid node set `gpu[8-5]`: bad range `8-5` in `gpu[8-5]` (high before low) at column 5',
    );
    expect(err.evidence).toContain(
      'hsm_config.yaml:5:14: error: command `c`: `nodes`: Invalid node set `n[1-3`: unclosed `[` at column 2',
    );
    expect(err.evidence).not.toContain('group `ok`');
  });

  // a typo of a section (`defualts:`) would otherwise run with every default
  it('refuses an unknown top-level key at file:line:col, with the nearest key and the list', () => {
    const { dir, home } = project({
      'hsm_config.yaml': 'hpc: {x: 1}\nsources:\n  l: {type: local}\ndefualts:\n  jobs: 2\n',
    });
    const err = configError(() => loadProjectConfig(dir, { homeDir: home }));
    expect(err.message).toBe('hsm_config.yaml is invalid (2 errors)');
    expect(err.evidence).toContain('hsm_config.yaml:1:1: error: unknown key `hpc`\n');
    expect(err.evidence).toContain(
      'hsm_config.yaml:4:1: error: unknown key `defualts`; did you mean `defaults`?',
    );
    expect(err.evidence).toContain(
      'hint: valid keys here: `project`, `defaults`, `sources`, `groups`, `commands`, `retry`',
    );
  });

  // nothing would read it: a typo would otherwise silently run with the default (max_parallel)
  it('refuses an unknown source field at file:line:col, with the nearest field and the list of that type', () => {
    const { dir, home } = project({
      'hsm_config.yaml':
        'sources:\n  l: {type: local, max_paralel: 2}\n  box:\n    type: ssh\n    host: box\n    custom_thing: 7\n  c: {type: slurm, tasks_per_jobs: 4}\n',
    });
    const err = configError(() => loadProjectConfig(dir, { homeDir: home }));
    expect(err.code).toBe('config');
    expect(err.message).toBe('hsm_config.yaml is invalid (3 errors)');
    expect(err.evidence).toContain(
      'hsm_config.yaml:2:20: error: source `l` (local) has an unknown field `max_paralel`; did you mean `max_parallel`?',
    );
    expect(err.evidence).toContain(
      'fields of type local: type, max_parallel, conda_env, venv, env (docs/CLI.md)',
    );
    expect(err.evidence).toContain(
      'hsm_config.yaml:6:5: error: source `box` (ssh) has an unknown field `custom_thing`\n',
    );
    expect(err.evidence).toMatch(
      /fields of type ssh: type, max_parallel, .*, setup, host, user, port, .*clean_remote/,
    );
    expect(err.evidence).toContain(
      'hsm_config.yaml:7:20: error: source `c` (slurm) has an unknown field `tasks_per_jobs`; did you mean `tasks_per_job`?',
    );
    // the lists name only the fields the type honours: local runs no `setup`, slurm has no
    // `project_dir` (its copy on the cluster is `workdir:`)
    expect(err.evidence).toMatch(/fields of type slurm: type, max_parallel, conda_env, [^\n]*tasks_per_job/);
    expect(err.evidence).toMatch(/fields of type slurm: [^\n]*\bworkdir\b[^\n]*\bclean_remote\b/);
    expect(err.evidence).not.toMatch(/fields of type slurm: [^\n]*\bproject_dir\b/);
  });

  it('shows malformed YAML with its line', () => {
    const { dir, home } = project({ 'hsm_config.yaml': 'sources:\n  a: {type: local\n' });
    const err = configError(() => loadProjectConfig(dir, { homeDir: home }));
    expect(err.message).toBe('hsm_config.yaml is invalid (1 error)');
    expect(err.evidence).toMatch(/^hsm_config\.yaml:\d+:\d+: error: malformed YAML: /);
  });
});

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, makeProject } from '../helpers/cli.js';

// A setting hsm accepts, it honours; one it cannot honour, it refuses with one paragraph and exit 2,
// before any sweep is created.

const STACK = /\n\s+at .+:\d+:\d+/;
const GOOD = `command: ["sh", "-c", "echo {x}"]\nargs: none\nsweep:\n  grid:\n    x: [1, 2]\n`;

beforeAll(() => ensureBuilt());

function sweepDirs(dir: string): string[] {
  const out = join(dir, 'sweeps', 'outputs');
  return existsSync(out) ? readdirSync(out) : [];
}

function refused(args: string[], config?: string): string {
  const dir = makeProject(GOOD, config);
  const r = hsm(args, dir);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).not.toMatch(STACK);
  expect(sweepDirs(dir)).toEqual([]);
  return r.stderr;
}

describe('settings hsm cannot honour are refused', () => {
  it('PBS settings hsm cannot honour, and an unknown source, before the sweep is created', () => {
    const pbs = (fields: string) =>
      refused(['run', '--source', 'cluster'], `sources:\n  cluster: {type: pbs, ${fields}}\n`);
    const workdir = pbs('queue: batch, workdir: hsm/p');
    expect(workdir).toContain('source `cluster` (pbs) has a `workdir` but no `host`');
    expect(workdir).toContain("through the cluster's login node: name it with `host:`");
    // clean_remote removes the cluster's copy of a sweep: without `host:` and `workdir:` there is none
    const clean = pbs('queue: batch, clean_remote: true');
    expect(clean).toContain('source `cluster` (pbs) has `clean_remote` but no copy on the cluster to clean');
    expect(clean).toContain('remove the line');
    expect(pbs('flavour: lsf')).toContain('has flavour "lsf", which is not a PBS family hsm knows');
    expect(pbs('select: "1:ncpus=2", ncpus: 4')).toContain('sets both `select:` and `ncpus:`');
    expect(pbs('flavour: torque, select: "1:ncpus=2"')).toContain('Torque does not understand');
    expect(pbs('queue: "work q"')).toContain('contains whitespace');
    const config = 'sources:\n  cluster: {type: pbs, queue: batch}\n';
    expect(refused(['run', '--source', 'local,nope'], config)).toContain('unknown source "nope"');
    // a dry run refuses it as the run does (it used to print the plan on local,nope and exit 0)
    const dry = refused(['run', '--source', 'local,nope', '--dry-run'], config);
    expect(dry).toContain('unknown source "nope"');
    expect(dry).toContain('hint: sources in hsm_config.yaml: cluster');
  });

  it('`setup:` and `python_interpreter:` of a local source, at their place in hsm_config.yaml', () => {
    const setup = refused(['run'], 'sources:\n  box: {type: local, setup: "module load cuda"}\n');
    expect(setup).toContain('hsm_config.yaml:2:22: error: source `box` (local): `setup` is not supported');
    expect(setup).toContain('hint: the local source runs tasks in this machine');
    const python = refused(
      ['run'],
      'sources:\n  local:\n    type: local\n    python_interpreter: python3.11\n',
    );
    expect(python).toContain(
      'hsm_config.yaml:4:5: error: source `local` (local): `python_interpreter` is not supported',
    );
  });

  it('`s3_staging:` that is not an S3 location, at its place in hsm_config.yaml', () => {
    const config =
      'sources:\n  hp:\n    type: ssm\n    nodes: node1\n    shell_command: ssh -tt {node}\n    s3_staging: my-bucket/p\n';
    const err = refused(['run', '--source', 'hp', '--dry-run'], config);
    expect(err).toContain('hsm_config.yaml:');
    expect(err).toContain('source `hp` (ssm) `s3_staging` "my-bucket/p" is not an S3 location');
    expect(err).toContain('Write s3://BUCKET or s3://BUCKET/PREFIX');
  });

  it('`hsm run --sync` with no remote source', () => {
    const err = refused(['run', '--sync']);
    expect(err).toContain('hsm: error: --sync pushes the project to remote sources, and this run has none');
    expect(err).toContain('hint: drop --sync');
  });

  it('`--timeout 0` and a zero `defaults.timeout`', () => {
    expect(refused(['run', '--timeout', '0'])).toContain('a time limit must be longer than zero, got "0"');
    expect(refused(['run', '--timeout', '00:00:00'])).toContain('longer than zero');
    expect(refused(['run'], 'defaults:\n  timeout: 0s\n')).toContain(
      'hsm_config.yaml:2:12: error: `timeout` must be a duration longer than zero, got "0s"',
    );
  });

  it('an `env:` name that is not a shell variable name', () => {
    const err = refused(['run'], 'sources:\n  local: {type: local, env: {"A; rm -rf ~": x}}\n');
    expect(err).toContain('names a variable "A; rm -rf ~", which is not a shell variable name');
  });
});

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const home = makeTempDir('hsm-home-');
const run = (args: string[], cwd: string) => hsm(args, cwd, { HOME: home });

function gitProject(files: Record<string, string>): string {
  const dir = makeTempDir('hsm-init-');
  mkdirSync(join(dir, '.git'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

beforeAll(() => ensureBuilt());

describe('hsm init', () => {
  it('writes hsm_config.yaml and sweeps/sweep.yaml at the git root, and they validate and show', () => {
    const dir = gitProject({ 'train.py': 'import argparse\n' });
    mkdirSync(join(dir, 'src'));
    const r = run(['init'], join(dir, 'src'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('wrote ');
    expect(existsSync(join(dir, 'hsm_config.yaml'))).toBe(true);
    expect(readFileSync(join(dir, 'sweeps', 'sweep.yaml'), 'utf8')).toContain('args: flags');
    expect(run(['validate'], dir).code).toBe(0);
    const shown = JSON.parse(run(['show', '--json'], dir).stdout);
    expect(shown.total).toBe(3);
    expect(shown.tasks[0].argv.slice(1)).toEqual(['train.py', '--seed', '1']);
  });

  it('never overwrites without --force', () => {
    const dir = gitProject({ 'main.py': 'import hydra\n' });
    writeFileSync(join(dir, 'hsm_config.yaml'), '# mine\n');
    const first = run(['init'], dir);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('kept  hsm_config.yaml (exists; --force overwrites it)');
    expect(readFileSync(join(dir, 'hsm_config.yaml'), 'utf8')).toBe('# mine\n');
    const again = run(['init'], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exist; nothing was written');
    const forced = run(['init', '--force'], dir);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'hsm_config.yaml'), 'utf8')).toContain('training_script: main.py');
    expect(readFileSync(join(dir, 'sweeps', 'sweep.yaml'), 'utf8')).toContain('args: hydra');
  });

  it('finds a training script in a subdirectory (training/train.py)', () => {
    const dir = gitProject({ 'README.md': '# project\n' });
    mkdirSync(join(dir, 'training'));
    writeFileSync(join(dir, 'training', 'train.py'), 'import hydra\n');
    mkdirSync(join(dir, '.venv', 'bin'), { recursive: true });
    const r = run(['init'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'hsm_config.yaml'), 'utf8')).toContain(
      'training_script: training/train.py',
    );
    const shown = JSON.parse(run(['show', '--json'], dir).stdout);
    expect(shown.tasks[0].argv.slice(1)).toEqual(['training/train.py', 'seed=1']);
  });
});

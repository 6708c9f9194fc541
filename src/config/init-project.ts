import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { HsmError } from '../domain/errors.js';
import { findGitRoot } from './load-project-config.js';

// `hsm init`: looks at the project (git root, python on PATH, a virtualenv, a likely training
// script and whether it uses Hydra or argparse) and writes hsm_config.yaml and sweeps/sweep.yaml.
// Existing files are never overwritten without `force`.

export interface ProjectFacts {
  projectRoot: string;
  isGitRepo: boolean;
  pythonInterpreter: string | null;
  venv: string | null;
  condaEnv: string | null;
  trainingScript: string | null;
  args: 'hydra' | 'flags';
}

export interface InitResult {
  facts: ProjectFacts;
  written: string[];
  skipped: string[];
}

const SCRIPT_CANDIDATES = [
  'train.py',
  'main.py',
  'run.py',
  'src/train.py',
  'scripts/train.py',
  'src/main.py',
];

// What hsm can tell about the project around `cwd`.
export function detectProject(cwd: string, env: NodeJS.ProcessEnv = process.env): ProjectFacts {
  const gitRoot = findGitRoot(cwd);
  const root = gitRoot ?? cwd;
  const venv = ['.venv', 'venv'].find((d) => existsSync(join(root, d, 'bin', 'python'))) ?? null;
  const conda = env.CONDA_DEFAULT_ENV && env.CONDA_DEFAULT_ENV !== 'base' ? env.CONDA_DEFAULT_ENV : null;
  const python = ['python3', 'python'].find((name) => isOnPath(name, env.PATH ?? '')) ?? null;
  const script = findTrainingScript(root);
  let args: 'hydra' | 'flags' = 'hydra';
  if (script) {
    const text = readFileSync(join(root, script), 'utf8');
    if (!/@hydra\.main|import hydra|from hydra/.test(text) && /argparse|click|typer/.test(text))
      args = 'flags';
  }
  return {
    projectRoot: root,
    isGitRepo: gitRoot !== null,
    pythonInterpreter: python,
    venv,
    condaEnv: conda,
    trainingScript: script,
    args,
  };
}

// The likely training script, relative to the root: a well-known name at the root or in src/ or
// scripts/, then `train.py` / `main.py` one directory down (`training/train.py`), then any script at
// the root.
function findTrainingScript(root: string): string | null {
  const known = SCRIPT_CANDIDATES.find((f) => existsSync(join(root, f)));
  if (known) return known;
  const dirs = listDirectories(root);
  for (const name of ['train.py', 'main.py']) {
    const dir = dirs.find((d) => existsSync(join(root, d, name)));
    if (dir) return `${dir}/${name}`;
  }
  return (
    readdirSync(root)
      .filter((f) => f.endsWith('.py') && !f.startsWith('setup'))
      .sort()[0] ?? null
  );
}

// Subdirectories that may hold the project's code, in name order: not hidden, not an environment,
// not tests or dependencies.
function listDirectories(root: string): string[] {
  const skip = new Set([
    'venv',
    'env',
    'node_modules',
    'site-packages',
    'tests',
    'test',
    'sweeps',
    'outputs',
  ]);
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !e.name.startsWith('_') && !skip.has(e.name))
    .map((e) => e.name)
    .sort();
}

// hsm_config.yaml for the facts found.
export function renderInitConfig(f: ProjectFacts): string {
  const lines = [
    '# hsm project configuration. Paths are relative to this file.',
    'project:',
    `  python_interpreter: ${f.venv ? `${f.venv}/bin/python` : (f.pythonInterpreter ?? 'python3')}`,
    f.trainingScript
      ? `  training_script: ${f.trainingScript}`
      : '  # training_script: train.py   # no script found: set it, or give `command:` in the sweep file',
    f.condaEnv ? `  conda_env: ${f.condaEnv}` : '  # conda_env: myenv',
    'defaults:',
    '  jobs: 2',
    '  retries: 0',
    '  output_dir: sweeps/outputs',
    '  sweep_file: sweeps/sweep.yaml',
    'sources:',
    '  local: {type: local, max_parallel: 2}',
    '  # gpubox: {type: ssh, host: gpubox, workdir: ~/hsm/myproj, max_parallel: 4}',
    '  # cluster: {type: slurm, partition: gpu, time: "04:00:00", array_throttle: 50}',
    '',
  ];
  return lines.join('\n');
}

// sweeps/sweep.yaml: a small grid to start from.
export function renderInitSweep(f: ProjectFacts): string {
  const name =
    basename(f.projectRoot)
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '') || 'sweep';
  return [
    '# A sweep: `hsm show` lists its tasks and their exact argv, `hsm run` runs them.',
    `name: ${name}`,
    '# command: python3 train.py     # default: python_interpreter + training_script of hsm_config.yaml',
    `args: ${f.args}                     # hydra: key=value, flags: --key value, none: only {key} placeholders`,
    'sweep:',
    '  grid:                           # cartesian product; the first key varies slowest',
    '    seed: [1, 2, 3]',
    '  # paired:                       # zipped lists: one task per position',
    '  #   - opt: {lr: [0.1, 0.01], warmup: [100, 10]}',
    '',
  ].join('\n');
}

// Writes the two files (each only if absent, unless `force`) and says what it did.
export function initProject(
  cwd: string,
  opts: { force?: boolean; env?: NodeJS.ProcessEnv } = {},
): InitResult {
  const facts = detectProject(cwd, opts.env);
  const files: [string, string][] = [
    [join(facts.projectRoot, 'hsm_config.yaml'), renderInitConfig(facts)],
    [join(facts.projectRoot, 'sweeps', 'sweep.yaml'), renderInitSweep(facts)],
  ];
  const written: string[] = [];
  const skipped: string[] = [];
  for (const [file, text] of files) {
    if (!opts.force && existsSync(file)) {
      skipped.push(file);
      continue;
    }
    try {
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, text, { flag: opts.force ? 'w' : 'wx' });
    } catch (err) {
      throw new HsmError('infra', `cannot write ${file}`, {
        evidence: (err as Error).message,
        hint: 'check that the directory is writable',
        cause: err,
      });
    }
    written.push(file);
  }
  return { facts, written, skipped };
}

function isOnPath(name: string, path: string): boolean {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      /* not here */
    }
  }
  return false;
}

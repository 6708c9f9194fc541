import { spawnSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeTempDir } from './temp-dir.js';

// The matrix example of examples/matrix in a throwaway git project, and what the matrix tests read.

export const EXAMPLE = resolve(__dirname, '../../examples/matrix');

export interface Job {
  name: string;
  status: string;
  verdict: string;
  termination_reason: string | null;
  exit_code: number | null;
  restarts: number | null;
  job_id: string | null;
  duration_ms: number | null;
  sweep_id: string;
  task: string;
  attempts: number;
  launches: number;
  why: string | null;
  logs: string;
}
export interface Check {
  id: string;
  jobs: Job[];
  summary: Record<string, number>;
}

export const git = (cwd: string, ...args: string[]) => {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

// The example copied into a git repository whose HEAD is pushed to a bare remote: the state the
// git check accepts without --allow-dirty.
export function makeExampleProject(extra: Record<string, string> = {}): string {
  const dir = makeTempDir('hsm-matrix-');
  const work = join(dir, 'proj');
  cpSync(EXAMPLE, work, { recursive: true, filter: (src) => !src.includes('/sweeps') });
  writeFileSync(join(work, '.gitignore'), 'sweeps/outputs/\n__pycache__/\n');
  for (const [file, text] of Object.entries(extra)) writeFileSync(join(work, file), text);
  git(dir, 'init', '-q', '--bare', 'origin.git');
  git(work, 'init', '-q', '-b', 'main');
  git(work, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'empty');
  git(work, 'add', '-A');
  git(work, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'example');
  git(work, 'remote', 'add', 'origin', join(dir, 'origin.git'));
  git(work, 'push', '-q', '-u', 'origin', 'main');
  return work;
}

export const parse = (r: { stdout: string; stderr: string }) => {
  try {
    return JSON.parse(r.stdout) as Check;
  } catch {
    throw new Error(`not JSON: ${r.stdout}\n${r.stderr}`);
  }
};

export { until } from './wait.js';

export function pgrep(pattern: string): number[] {
  const r = spawnSync('pgrep', ['-f', '--', pattern], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((p) => p !== process.pid);
}

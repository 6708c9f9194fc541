import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeTempDir } from './temp-dir.js';

// Runs the built CLI (dist/cli.js, via bin/hsm.js) as a user would.
export const HSM_BIN = resolve(__dirname, '../../bin/hsm.js');

/** Builds the CLI unless the suite's global setup has (test/helpers/global-build.ts): a test file run
 * outside vitest's configuration still gets a fresh build. */
export function ensureBuilt(): void {
  if (process.env.HSM_TEST_BUILT !== '1') buildCli();
}

export function buildCli(): void {
  const r = spawnSync('npm', ['run', '--silent', 'build'], {
    cwd: resolve(__dirname, '../..'),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
}

export function hsm(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs?: number) {
  const r = spawnSync(process.execPath, [HSM_BIN, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 1 << 28,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

export function hsmAsync(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [HSM_BIN, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
}

// A throwaway project with hsm_config.yaml and sweeps/sweep.yaml.
export function makeProject(sweepYaml: string, config = ''): string {
  const dir = makeTempDir('hsm-e2e-');
  mkdirSync(join(dir, 'sweeps'));
  writeFileSync(join(dir, 'sweeps', 'sweep.yaml'), sweepYaml);
  writeFileSync(join(dir, 'hsm_config.yaml'), config || 'defaults:\n  output_dir: sweeps/outputs\n');
  return dir;
}

// Resolves at once for a child that has already exited: its 'exit' event was emitted then and will
// not come again, so waiting for it would hang (a `complete` that loses the lock race, or finishes,
// before the caller's kill).
export function waitForExit(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
}

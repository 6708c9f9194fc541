import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HsmError } from '../domain/errors.js';
import { liveLockOwner } from '../state/sweep-lock.js';
import { SweepPaths } from '../state/sweep-paths.js';
import { SweepStore } from '../state/sweep-store.js';

// Submitted jobs run in a background hsm process (`hsm complete SWEEP_DIR`, detached from the caller,
// its output in logs/hsm-run.log), so they outlive the program or shell that submitted them, and a
// later `status()`, `cancel()` or `hsm matrix check|kill` finds them through the sweep directory.

/** How often a background run that did not start is tried again, and the first pause between tries. */
const START_TRIES = 3;
const START_PAUSE_MS = 1000;

// The hsm command of this installation: bin/hsm.js of the package this module belongs to.
export function hsmCommandPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'bin', 'hsm.js');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new HsmError('internal', 'cannot find bin/hsm.js of this hsm installation');
}

// Starts the background run of a sweep and returns once it holds the sweep (or has already ended);
// a run that dies before that (a transient failure: a scheduler or file system hiccup) is tried again,
// up to START_TRIES times with a growing pause; then the error carries its log.
export async function startBackgroundRun(
  sweepDir: string,
  options: { timeout?: string | null; retries?: number; cwd: string },
): Promise<number> {
  const paths = new SweepPaths(sweepDir);
  const logPath = join(paths.logsDir, 'hsm-run.log');
  let lastLog = '';
  for (let attempt = 1; attempt <= START_TRIES; attempt++) {
    const argv = [hsmCommandPath(), 'complete', sweepDir];
    if (options.timeout) argv.push('--timeout', options.timeout);
    if (options.retries !== undefined) argv.push('--retries', String(options.retries));
    const log = openSync(logPath, 'a');
    const child = spawn(process.execPath, argv, {
      detached: true,
      stdio: ['ignore', log, log],
      cwd: options.cwd,
    });
    closeSync(log);
    let exit: number | null | undefined;
    child.once('exit', (code) => (exit = code ?? -1));
    child.once('error', () => (exit = -1));
    child.unref();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (liveLockOwner(paths.lock) === child.pid) return child.pid!;
      if (exit !== undefined) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    if (exit === 0 || (exit === undefined && liveLockOwner(paths.lock) !== null)) return child.pid ?? 0;
    if (exit === undefined) child.kill('SIGTERM');
    if (!hasWorkLeft(paths)) return child.pid ?? 0; // it ran everything and ended (exit 1: a job failed)
    lastLog = tail(logPath);
    if (exit === 2)
      throw new HsmError('config', `the run of ${sweepDir} was refused`, {
        evidence: lastLog,
        hint: `see ${logPath}`,
      });
    if (attempt < START_TRIES) await new Promise((r) => setTimeout(r, START_PAUSE_MS * attempt));
  }
  throw new HsmError('infra', `the background run of ${sweepDir} did not start (${START_TRIES} tries)`, {
    evidence: lastLog,
    hint: `see ${logPath}; start it by hand with \`hsm complete ${sweepDir}\``,
  });
}

function hasWorkLeft(paths: SweepPaths): boolean {
  const store = SweepStore.open(paths.db, { readonly: true });
  try {
    const c = store.counts();
    return c.pending + c.queued + c.running > 0;
  } finally {
    store.close();
  }
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-12).join('\n').trim();
  } catch {
    return '';
  }
}

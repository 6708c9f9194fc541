import type { SweepRun } from '../api/index.js';
import { HsmError } from '../domain/errors.js';

// Drives a sweep run from the command line: the first Ctrl-C (or SIGTERM from `hsm cancel`) cancels
// gracefully, a second one kills at once. Returns whether the run was interrupted.
export async function superviseRun(run: SweepRun, onInterrupt: (level: number) => void): Promise<{ interrupted: boolean }> {
  let level = 0;
  const handler = () => {
    level++;
    onInterrupt(level);
    run.cancel();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  process.on('SIGHUP', handler);
  try {
    const result = await run.result;
    return { interrupted: result.interrupted };
  } catch (err) {
    throw err instanceof HsmError ? err : new HsmError('internal', `the run of ${run.sweepId} failed: ${(err as Error).message}`, { cause: err });
  } finally {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    process.off('SIGHUP', handler);
  }
}

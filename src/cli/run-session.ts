import type { SweepRun } from '../api/index.js';
import { HsmError } from '../domain/errors.js';
import { detachFromTerminal } from './terminal-hangup.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

// Catches Ctrl-C (and SIGTERM from `hsm cancel`, SIGHUP from a closed terminal) from the moment a
// command starts until it ends, and hands them to whoever subscribes. One latch for the whole command,
// never removed half-way: a signal that arrives while the sweep is being created must not be lost
// (Node drops a signal whose listener was removed before the event loop got to it).
export class InterruptLatch {
  count = 0;
  private listener: ((level: number) => void) | null = null;
  private hungUp = false;
  private readonly handler = (signal: NodeJS.Signals) => {
    if (signal === 'SIGHUP') {
      // the terminal is gone: detach from it before anything is written; a hang-up is one stop
      // (the kernel and the terminal emulator may each send SIGHUP), not a Ctrl-C pressed twice
      if (this.hungUp) return;
      this.hungUp = true;
      detachFromTerminal();
    }
    this.count++;
    this.listener?.(this.count);
  };

  constructor() {
    for (const s of SIGNALS) process.on(s, this.handler);
  }

  /** Calls `fn` for every interrupt from now on, and at once if some already came. */
  subscribe(fn: (level: number) => void): void {
    this.listener = fn;
    if (this.count > 0) fn(this.count);
  }

  dispose(): void {
    this.listener = null;
    for (const s of SIGNALS) process.off(s, this.handler);
  }
}

// Drives a sweep run from the command line: the first interrupt cancels gracefully, a second one kills
// at once. Returns whether the run was interrupted.
export async function superviseRun(
  run: SweepRun,
  latch: InterruptLatch,
  onInterrupt: (level: number) => void,
): Promise<{
  interrupted: boolean;
  unavailable: string[];
  storageFailure: Awaited<SweepRun['result']>['storageFailure'];
}> {
  latch.subscribe((level) => {
    onInterrupt(level);
    run.cancel();
  });
  try {
    const result = await run.result;
    return {
      interrupted: result.interrupted,
      unavailable: result.unavailable ?? [],
      storageFailure: result.storageFailure,
    };
  } catch (err) {
    throw err instanceof HsmError
      ? err
      : new HsmError('internal', `the run of ${run.sweepId} failed: ${(err as Error).message}`, {
          cause: err,
        });
  } finally {
    latch.dispose();
  }
}

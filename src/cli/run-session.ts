import type { SweepRun } from '../api/index.js';
import { HsmError } from '../domain/errors.js';
import { askCancelOrLeave, type InterruptAnswer, type InterruptQuestion } from './interrupt-question.js';
import { detachFromTerminal } from './terminal-hangup.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

// Catches Ctrl-C (and SIGTERM from `hsm cancel`, SIGHUP from a closed terminal) from the moment a
// command starts until it ends, and hands them to whoever subscribes. One latch for the whole command,
// never removed half-way: a signal that arrives while the sweep is being created must not be lost
// (Node drops a signal whose listener was removed before the event loop got to it).
export class InterruptLatch {
  count = 0;
  /** The first signal that came (SIGINT: Ctrl-C; SIGTERM: `hsm cancel`; SIGHUP: terminal closed). */
  first: NodeJS.Signals | null = null;
  private listener: ((level: number, signal: NodeJS.Signals) => void) | null = null;
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
    this.first ??= signal;
    this.listener?.(this.count, signal);
  };

  constructor() {
    for (const s of SIGNALS) process.on(s, this.handler);
  }

  /** Calls `fn` for every interrupt from now on, and at once if some already came. */
  subscribe(fn: (level: number, signal: NodeJS.Signals) => void): void {
    this.listener = fn;
    if (this.count > 0) fn(this.count, this.first!);
  }

  /** Whether the terminal was closed (no question can be asked on it). */
  get hangUp(): boolean {
    return this.hungUp;
  }

  dispose(): void {
    this.listener = null;
    for (const s of SIGNALS) process.off(s, this.handler);
  }
}

/** What an interrupt does to tasks a batch scheduler holds: ask on the terminal, cancel them, or
 * leave them queued or running (`--on-interrupt`). */
export type InterruptPolicy = 'ask' | 'cancel' | 'leave';

/** What the command line says about an interrupt as it is handled. */
export interface InterruptNotices {
  /** `level` 1: a graceful stop; 2 and more: kill at once. */
  cancelling(level: number): void;
  leaving(count: number): void;
  /** The question's text (cancel or leave?) for `count` tasks. */
  question(count: number): string;
  /** A question is about to be on the terminal / has gone. */
  hold(on: boolean): void;
}

// Drives a sweep run from the command line. An interrupt cancels (the first gracefully, a second
// kills at once), except where a batch scheduler holds tasks, which go on without hsm: then Ctrl-C
// asks on a terminal whether to cancel them or leave them (`policy` ask), or does what `policy`
// says. SIGTERM (`hsm cancel`, a service manager) always cancels; a closed terminal cannot be
// asked, and cancels unless the policy is `leave`. Returns whether the run was interrupted.
export async function superviseRun(
  run: SweepRun,
  latch: InterruptLatch,
  policy: InterruptPolicy,
  notices: InterruptNotices,
): Promise<{
  interrupted: boolean;
  left: number;
  unavailable: string[];
  storageFailure: Awaited<SweepRun['result']>['storageFailure'];
  /** The sweep's tasks by status as the run ended (the store's, as `hsm status` counts them). */
  counts: Awaited<SweepRun['result']>['counts'];
}> {
  let handled: InterruptAnswer | 'asking' | null = null;
  let question: InterruptQuestion | null = null;
  let cancels = 0;
  const cancel = (): void => {
    handled = 'cancel';
    notices.cancelling(++cancels);
    run.cancel();
  };
  const act = (a: InterruptAnswer): void => {
    notices.hold(false);
    if (a === 'cancel') return cancel();
    handled = 'leave';
    notices.leaving(run.leavable());
    run.leave();
  };
  latch.subscribe((_level, signal) => {
    if (handled === 'asking') {
      question?.withdraw();
      notices.hold(false);
      return cancel();
    }
    if (handled !== null) return cancel(); // again: kill what still runs here at once
    const leavable = run.leavable();
    if (signal === 'SIGTERM' || leavable === 0) return cancel();
    const mode = policy === 'ask' && (latch.hangUp || !process.stdin.isTTY) ? 'cancel' : policy;
    if (mode !== 'ask') return act(mode);
    handled = 'asking';
    notices.hold(true);
    question = askCancelOrLeave(notices.question(leavable));
    void question.answer.then((a) => {
      if (handled === 'asking') act(a);
    });
  });
  try {
    const result = await run.result;
    return {
      interrupted: result.interrupted,
      left: result.left,
      unavailable: result.unavailable ?? [],
      storageFailure: result.storageFailure,
      counts: result.counts,
    };
  } catch (err) {
    throw err instanceof HsmError
      ? err
      : new HsmError('internal', `the run of ${run.sweepId} failed: ${(err as Error).message}`, {
          cause: err,
        });
  } finally {
    if (handled === 'asking') {
      // the run ended while the question was open: nothing left to decide
      (question as InterruptQuestion | null)?.withdraw();
      notices.hold(false);
    }
    latch.dispose();
  }
}

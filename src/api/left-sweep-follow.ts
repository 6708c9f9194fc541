import { HsmError } from '../domain/errors.js';
import type { ProjectContext } from './project.js';
import { pullLeftSweep } from './sweep-collect.js';
import { catchUpLeftSweep } from './sweep-status.js';

// What keeps `hsm status --watch` true while no hsm process follows a sweep left on a batch
// scheduler (`--detach`, a Ctrl-C answered "leave"): every few seconds the records its jobs wrote
// are pulled from the cluster's copy of the sweep directory (`host:` and `workdir:`; nothing to pull
// on a shared filesystem) and taken into the store, as one `hsm status` does once. One round at a
// time, in the background, so a slow login node never freezes the view; a failed pull is reported
// once (until one succeeds again) and tried again at the next round.

export interface LeftSweepFollowOptions {
  /** ssh client config file (`ssh -F`) for the login node. */
  sshConfigFile?: string;
  /** A round starts at most this often. */
  everyMs: number;
}

export class LeftSweepFollower {
  private inFlight: Promise<void> | null = null;
  private lastStart = -Infinity;
  /** The failure of the latest pull, null once one succeeded. */
  private failing: string | null = null;
  private readonly warnings: string[] = [];
  /** A round that failed with a bug (not an HsmError): thrown by the next takeWarnings. */
  private bug: unknown = null;

  constructor(
    private readonly project: ProjectContext,
    /** The sweep's directory. */
    private readonly dir: string,
    private readonly o: LeftSweepFollowOptions,
  ) {}

  /** Starts a round in the background when one is due (none in flight, `everyMs` since the last
   * began); `onDone` is called when it has ended. */
  poke(onDone?: () => void, now = Date.now()): void {
    if (this.inFlight || now - this.lastStart < this.o.everyMs) return;
    this.lastStart = now;
    this.inFlight = this.round()
      .catch((err: unknown) => {
        this.bug = err;
      })
      .finally(() => {
        this.inFlight = null;
        onDone?.();
      });
  }

  /** One round now: pull, then catch the store up with what came back. Never throws. */
  async round(): Promise<void> {
    let error: string | null;
    try {
      const pulled = await pullLeftSweep(this.project, this.dir, { sshConfigFile: this.o.sshConfigFile });
      error = pulled && pulled.errors.length > 0 ? pulled.errors.join('; ') : null;
    } catch (err) {
      if (!(err instanceof HsmError)) throw err;
      error = err.message;
    }
    if (error !== null && this.failing === null) this.warnings.push(error);
    this.failing = error;
    catchUpLeftSweep(this.project, this.dir);
  }

  /** Failures not reported yet, each once. */
  takeWarnings(): string[] {
    if (this.bug !== null) throw this.bug;
    return this.warnings.splice(0);
  }

  /** The round in flight, if any, has ended. */
  async settle(): Promise<void> {
    await this.inFlight;
  }
}

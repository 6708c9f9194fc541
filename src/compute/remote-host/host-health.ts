// Whether a host takes tasks, and since when it has not answered. A host that cannot be reached is
// `down`: it takes no tasks and is checked again after 1, 2, 4 ... 30 s; after `lostAfterMs`
// without word, its tasks count as lost. A host that answered but cannot run tasks (workdir not
// creatable, disk full, a program missing, the project differs) is `refused`: checked again every
// 30 s, in case someone fixes it, but its running tasks are not given up for it.

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

export class HostHealth {
  private state: 'connecting' | 'up' | 'down' | 'refused' = 'connecting';
  private message: string | null = null;
  private downSince: number | null = null;
  private nextCheckAt = Infinity;
  private backoffMs = FIRST_BACKOFF_MS;
  private wasUp = false;

  constructor(
    private readonly host: string,
    private readonly lostAfterMs: number,
  ) {}

  get ready(): boolean {
    return this.state === 'up';
  }

  /** The problem and its fix, while the host is down or refused; null otherwise. */
  problem(): string | null {
    return this.state === 'down' || this.state === 'refused' ? this.message : null;
  }

  up(): void {
    this.state = 'up';
    this.wasUp = true;
    this.message = null;
    this.downSince = null;
    this.backoffMs = FIRST_BACKOFF_MS;
    this.nextCheckAt = Infinity;
  }

  /** Records an unreachable host; true when it was not down before (worth a log line). */
  down(reason: string, hint: string, now = Date.now()): boolean {
    const fresh = this.state !== 'down';
    this.state = 'down';
    this.message = `${reason}. ${hint}`;
    this.downSince ??= now;
    this.nextCheckAt = now + this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    return fresh;
  }

  refuse(message: string, hint: string, now = Date.now()): void {
    this.state = 'refused';
    this.message = `${message} ${hint}`;
    this.nextCheckAt = now + MAX_BACKOFF_MS;
  }

  /**
   * Whether the host is given up on for now (a run with nothing else to do stops): refused, or down
   * when it never answered since hsm started or has not for `lostAfterMs`. A host that was up and
   * dropped (its agent's session ended, a blip) is connected again first: the run must not end
   * with tasks left just because the drop came when none was running.
   */
  givenUp(now: number): boolean {
    if (this.state === 'refused') return true;
    return this.state === 'down' && (!this.wasUp || this.lostNow(now));
  }

  shouldRecheck(now: number): boolean {
    return (this.state === 'down' || this.state === 'refused') && now >= this.nextCheckAt;
  }

  lostNow(now: number): boolean {
    return this.state === 'down' && this.downSince !== null && now - this.downSince >= this.lostAfterMs;
  }

  toString(): string {
    return `${this.host}: ${this.state}`;
  }
}

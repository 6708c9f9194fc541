// Spaces session starts at least 1/rate seconds apart, whoever asks: control planes such as SSM
// throttle StartSession calls (ThrottlingException) long before a fan-out of 32 is reached.
export class SessionStartLimiter {
  private next = 0;
  private readonly intervalMs: number;

  constructor(startsPerSecond: number) {
    this.intervalMs = startsPerSecond > 0 && Number.isFinite(startsPerSecond) ? 1000 / startsPerSecond : 0;
  }

  // Resolves when the caller may start a session (false if aborted while waiting).
  acquire(signal?: AbortSignal): Promise<boolean> {
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + this.intervalMs;
    if (at <= now) return Promise.resolve(!signal?.aborted);
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      }, at - now);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

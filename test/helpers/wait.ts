// Waiting in tests: for a condition, never for a time. The suite runs two files at a time on two
// loaded cores, so what a test waits for may come late, and may not be there at all at the first
// looks: a check that throws (a file not written yet, a page element not drawn yet, a sweep not
// created yet, JSON half-written) is "not yet", not a failure. Only the time limit ends the wait,
// and its error names what was awaited and the check's last error; or a check that knows the
// condition can no longer come (the process that was to bring it has ended) throws `GiveUp`.

/** Thrown by a check: the awaited condition can no longer come; the wait fails at once with it. */
export class GiveUp extends Error {}

/** Polls `check` every `everyMs` until it gives a value other than undefined, null or false, and
 * returns that value; after `ms` (generous: a loaded machine), throws naming `what`. */
export async function until<T>(
  what: string,
  check: () => T | Promise<T>,
  ms = 30_000,
  everyMs = 50,
): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== null && v !== false) return v as NonNullable<T>;
      lastError = undefined;
    } catch (err) {
      if (err instanceof GiveUp)
        throw new Error(`gave up waiting for ${what}: ${err.message}`, { cause: err });
      lastError = err;
    }
    if (Date.now() > end) {
      const last = lastError === undefined ? '' : `; the last check failed: ${describe(lastError)}`;
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

import { createHash } from 'node:crypto';

// How a sweep's jobs are recognised on the scheduler: every job of a sweep has the same name
// (`hsm-<sweep id>`, the filter of the one status call per round), and its comment carries the
// sweep id and a token naming the attempts it runs (a digest of their task keys and attempt
// numbers). A submit whose answer was lost (timeout, dropped connection) is found again by that
// token before it is tried again, so an attempt is never submitted twice.

export function jobName(sweepId: string): string {
  return `hsm-${sweepId}`;
}

/** Digest of the attempts of one submission (order-independent). */
export function submissionToken(attempts: readonly { key: string; attempt: number }[]): string {
  const h = createHash('sha256');
  for (const a of [...attempts].map((a) => `${a.key}:${a.attempt}`).sort()) h.update(a + '\n');
  return h.digest('hex').slice(0, 16);
}

export function jobComment(sweepId: string, token: string): string {
  return `hsm:${sweepId}:${token}`;
}

/** The token of a job comment written by jobComment, or null. */
export function tokenOfComment(comment: string | null, sweepId: string): string | null {
  if (!comment) return null;
  const prefix = `hsm:${sweepId}:`;
  return comment.startsWith(prefix) ? comment.slice(prefix.length) : null;
}

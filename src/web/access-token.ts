import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// The dashboard's access token: random, in the URL `hsm serve` prints, required on every request.
// Compared in constant time (of digests, so the length of a guess tells nothing either).

export function newAccessToken(): string {
  return randomBytes(24).toString('base64url');
}

export function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given === '') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

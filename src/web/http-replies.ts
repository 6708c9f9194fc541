import type { IncomingMessage, ServerResponse } from 'node:http';
import { HsmError } from '../domain/errors.js';

// How the dashboard answers: JSON for the API, with headers that keep a browser from running or
// framing anything it did not ship (a strict Content-Security-Policy, no sniffing, no referrer: the
// token is in the page's URL).

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** An error as JSON: `{error, hint}` with the HTTP status its code means. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof HsmError) {
    const status =
      err.code === 'not_found'
        ? 404
        : err.code === 'usage' || err.code === 'config'
          ? 400
          : err.code === 'locked'
            ? 409
            : 500;
    sendJson(res, status, { error: err.message, ...(err.hint ? { hint: err.hint } : {}) });
    return;
  }
  sendJson(res, 500, { error: `internal error: ${(err as Error)?.message ?? String(err)}` });
}

export function sendStatus(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message });
}

/** The request body as JSON (small bodies only: actions take a few fields). */
export async function readJsonBody(req: IncomingMessage, limit = 16_384): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HsmError('usage', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    /* below */
  }
  throw new HsmError('usage', 'the request body is not a JSON object');
}

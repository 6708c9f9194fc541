import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HsmError } from '../domain/errors.js';
import type { ProjectContext, SweepRun } from '../api/index.js';
import { chartScriptsText } from '../api/sweep-charts.js';
import { newAccessToken, tokenMatches } from './access-token.js';
import { matchRoute, type RouteContext } from './api-routes.js';
import { securityHeaders, sendError, sendStatus } from './http-replies.js';
import { LiveUpdates } from './live-updates.js';
import { loadAssets, type Asset } from './static-assets.js';
import { SweepReaders } from './sweep-readers.js';

// `hsm serve`: the dashboard's HTTP server (node:http). Every request needs the access token: in the
// page URL's `?token=` (the page then keeps it in an HttpOnly, SameSite=Strict cookie), the cookie,
// or the `X-HSM-Token` header. Actions are POSTs and take the token from the header only, which
// another site's page can neither read nor send. Listens on 127.0.0.1 unless told otherwise; the
// token is required wherever it listens.

export interface DashboardOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Default: a new random token. */
  token?: string;
}

export interface Dashboard {
  url: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const COOKIE = 'hsm_token';

export async function startDashboard(
  project: ProjectContext,
  options: DashboardOptions = {},
): Promise<Dashboard> {
  const token = options.token ?? newAccessToken();
  const host = options.host ?? '127.0.0.1';
  const charts = chartScriptsText();
  const js = 'text/javascript; charset=utf-8';
  const assets = loadAssets(undefined, {
    'chart.umd.js': { type: js, body: Buffer.from(charts.chartJs) },
    'chart-bootstrap.js': { type: js, body: Buffer.from(charts.bootstrap) },
  });
  const readers = new SweepReaders(project);
  const ctx: RouteContext = { project, readers, live: new LiveUpdates(readers), runs: new Set<SweepRun>() };
  const server = createServer((req, res) => {
    handle(ctx, assets, token, req, res).catch((err: unknown) => sendError(res, err));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new HsmError(
          err.code === 'EADDRINUSE' ? 'usage' : 'infra',
          `cannot listen on ${host}:${options.port ?? 8765}`,
          {
            evidence: err.message,
            hint:
              err.code === 'EADDRINUSE'
                ? 'choose another port with --port (0 picks a free one)'
                : 'check --host',
            cause: err,
          },
        ),
      ),
    );
    server.listen(options.port ?? 8765, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/?token=${token}`,
    host,
    port,
    token,
    close: async () => {
      ctx.live.closeAll();
      for (const run of ctx.runs) run.cancel();
      await Promise.allSettled([...ctx.runs].map((r) => r.result));
      readers.closeAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(
  ctx: RouteContext,
  assets: Map<string, Asset>,
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  securityHeaders(res);
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://dashboard.invalid');
  } catch {
    return sendStatus(res, 400, 'bad request');
  }
  const method = req.method ?? 'GET';
  const header = req.headers['x-hsm-token'];
  const given =
    method === 'POST'
      ? typeof header === 'string'
        ? header
        : null
      : (url.searchParams.get('token') ?? (typeof header === 'string' ? header : null) ?? cookieToken(req));
  if (!tokenMatches(given, token)) {
    return sendStatus(
      res,
      401,
      method === 'POST'
        ? 'actions need the access token in the X-HSM-Token header'
        : 'missing or wrong access token: open the URL `hsm serve` printed',
    );
  }
  if (method !== 'GET' && method !== 'POST' && method !== 'HEAD')
    return sendStatus(res, 405, 'method not allowed');
  const path = url.pathname;
  if (path === '/' || path === '/index.html') {
    if (method === 'POST') return sendStatus(res, 405, 'method not allowed');
    if (url.searchParams.has('token'))
      res.setHeader('Set-Cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    return sendAsset(res, assets.get('index.html')!, method);
  }
  if (path.startsWith('/assets/')) {
    const asset = method === 'POST' ? undefined : assets.get(path.slice('/assets/'.length));
    if (!asset) return sendStatus(res, 404, 'not found');
    return sendAsset(res, asset, method);
  }
  const route = matchRoute(method === 'HEAD' ? 'GET' : method, path);
  if ('status' in route)
    return sendStatus(res, route.status, route.status === 404 ? 'not found' : 'method not allowed');
  await route.handler(ctx, route.params, url, req, res);
}

function sendAsset(res: ServerResponse, asset: Asset, method: string): void {
  res.writeHead(200, { 'Content-Type': asset.type, 'Content-Length': asset.body.length });
  res.end(method === 'HEAD' ? undefined : asset.body);
}

function cookieToken(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return value.join('=');
  }
  return null;
}

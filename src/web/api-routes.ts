import type { IncomingMessage, ServerResponse } from 'node:http';
import { HsmError } from '../domain/errors.js';
import {
  cancelSweep,
  cancelTasks,
  completeSweep,
  listRecentSweeps,
  getSweepResults,
  type ProjectContext,
  type SweepRun,
} from '../api/index.js';
import { getSweepCharts } from '../api/sweep-charts.js';
import { readJsonBody, sendJson } from './http-replies.js';
import type { LiveUpdates } from './live-updates.js';
import type { SweepReaders } from './sweep-readers.js';

// The dashboard's JSON API: each route is one call of src/api/, the calls the CLI makes. GETs read;
// actions are POSTs (the server checks the token header they carry before they get here).

export interface RouteContext {
  project: ProjectContext;
  readers: SweepReaders;
  live: LiveUpdates;
  /** Runs this dashboard started (re-running failed tasks), cancelled when it stops. */
  runs: Set<SweepRun>;
}

type Handler = (
  ctx: RouteContext,
  params: string[],
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
) => Promise<void> | void;

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handler: Handler;
}

const SEG = '([^/]+)';
const num = (url: URL, name: string): number | undefined => {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new HsmError('usage', `${name} must be a non-negative integer`);
  return n;
};
const str = (url: URL, name: string): string | undefined => url.searchParams.get(name) ?? undefined;
const stream = (url: URL): 'stdout' | 'stderr' =>
  url.searchParams.get('stream') === 'stderr' ? 'stderr' : 'stdout';

const ROUTES: Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/sweeps$/,
    handler: (ctx, _p, _u, _q, res) => sendJson(res, 200, { sweeps: listRecentSweeps(ctx.project, 200) }),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/sweeps/${SEG}$`),
    handler: (ctx, [id], _u, _q, res) => {
      const reader = ctx.readers.get(id!);
      sendJson(res, 200, { status: reader.status(), sources: reader.sources() });
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/sweeps/${SEG}/events$`),
    handler: (ctx, [id], _u, req, res) => ctx.live.subscribe(id!, req, res),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/sweeps/${SEG}/tasks$`),
    handler: (ctx, [id], url, _q, res) => {
      const page = ctx.readers.get(id!).tasks({
        status: str(url, 'status'),
        source: str(url, 'source'),
        name: str(url, 'name'),
        where: str(url, 'where'),
        sort: str(url, 'sort'),
        descending: url.searchParams.get('desc') === '1',
        offset: num(url, 'offset'),
        limit: num(url, 'limit'),
      });
      sendJson(res, 200, page);
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/sweeps/${SEG}/tasks/${SEG}$`),
    handler: (ctx, [id, task], _u, _q, res) => sendJson(res, 200, ctx.readers.get(id!).task(task!)),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/sweeps/${SEG}/tasks/${SEG}/log$`),
    handler: (ctx, [id, task], url, _q, res) => {
      const reader = ctx.readers.get(id!);
      const detail = reader.task(task!);
      const slice = reader.log(task!, stream(url), {
        attempt: num(url, 'attempt'),
        from: num(url, 'from'),
        maxBytes: num(url, 'max'),
      });
      const running = detail.status === 'running' || detail.status === 'queued';
      sendJson(res, 200, { ...slice, task_status: detail.status, growing: running });
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/sweeps/${SEG}/file$`),
    handler: (ctx, [id], url, _q, res) => {
      const path = str(url, 'path') ?? '';
      sendJson(
        res,
        200,
        ctx.readers.get(id!).file(path, { from: num(url, 'from'), maxBytes: num(url, 'max') }),
      );
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/sweeps/${SEG}/errors$`),
    handler: (ctx, [id], _u, _q, res) => sendJson(res, 200, ctx.readers.get(id!).errors()),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/sweeps/${SEG}/results$`),
    handler: (ctx, [id], _u, _q, res) => {
      const reader = ctx.readers.get(id!);
      sendJson(res, 200, getSweepResults(ctx.project, reader.dir));
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/sweeps/${SEG}/charts$`),
    handler: (ctx, [id], _u, _q, res) => {
      const reader = ctx.readers.get(id!);
      sendJson(res, 200, { charts: getSweepCharts(ctx.project, reader.dir) });
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/sweeps/${SEG}/cancel$`),
    handler: async (ctx, [id], _u, req, res) => {
      await readJsonBody(req);
      const reader = ctx.readers.get(id!);
      sendJson(res, 200, await cancelSweep(ctx.project, reader.dir));
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/sweeps/${SEG}/tasks/${SEG}/cancel$`),
    handler: async (ctx, [id, task], _u, req, res) => {
      await readJsonBody(req);
      const reader = ctx.readers.get(id!);
      reader.task(task!); // a task of this sweep, by its exact name (not a set expression)
      sendJson(res, 200, cancelTasks(ctx.project, reader.dir, task!));
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/sweeps/${SEG}/rerun-failed$`),
    handler: async (ctx, [id], _u, req, res) => {
      await readJsonBody(req);
      const reader = ctx.readers.get(id!);
      const run = completeSweep(ctx.project, reader.dir, { retryFailed: true });
      ctx.runs.add(run);
      void run.result.catch(() => undefined).finally(() => ctx.runs.delete(run));
      sendJson(res, 202, {
        sweep_id: run.sweepId,
        planned: run.planned,
        adopted: run.adopted,
        notices: run.notices,
      });
    },
  },
];

/** Finds the route of a request: the handler, or why none (404, or 405 for a wrong method). */
export function matchRoute(
  method: string,
  path: string,
): { handler: Handler; params: string[] } | { status: 404 | 405 } {
  let wrongMethod = false;
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    if (route.method !== method) {
      wrongMethod = true;
      continue;
    }
    // path segments arrive percent-encoded: decoded here, and a decoded segment that names a path
    // (a slash, `..`) matches nothing
    const params: string[] = [];
    for (const raw of m.slice(1)) {
      let p: string;
      try {
        p = decodeURIComponent(raw);
      } catch {
        return { status: 404 };
      }
      if (p.includes('/') || p.includes('\\') || p === '.' || p === '..' || p.includes('\0'))
        return { status: 404 };
      params.push(p);
    }
    return { handler: route.handler, params };
  }
  return { status: wrongMethod ? 405 : 404 };
}

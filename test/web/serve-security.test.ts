import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, makeProject } from '../helpers/cli.js';
import { closeChromium, launchChromium, openPage, saveScreenshot } from '../helpers/chromium.js';
import { until } from '../helpers/wait.js';
import { startServe } from './serve-process.js';
import type { Browser } from 'playwright-core';

// What `hsm serve` must never give: anything without the token, an action without the token header,
// a file outside the sweep directory (`..` plain or encoded, a symlink out), and task output as
// HTML. A file outside the sweep directory holds a marker no answer may contain.

const SECRET = 'SECRET-7f3a9c-outside-the-sweep';
const PAYLOAD = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2"><b id=bold>bold</b>';

let dir: string;
let serve: Awaited<ReturnType<typeof startServe>>;
let browser: Browser | undefined;

beforeAll(async () => {
  ensureBuilt();
  dir = makeProject(
    'name: sec\ncommand: ["sh", "-c", "printf \'%s\\\\n\' \\"$HSM_PAYLOAD\\""]\nargs: none\nsweep:\n  grid:\n    x: [1, 2]\n',
  );
  const run = hsm(['run', '--sweep-id', 'sec', '--yes'], dir, { HSM_PAYLOAD: PAYLOAD });
  expect(run.code, run.stderr).toBe(0);
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  // task_002's stdout is a symlink to a file outside the sweep; its results/ a link to a directory outside
  const task2 = join(dir, 'sweeps/outputs/sec/tasks/task_002');
  rmSync(join(task2, 'stdout.log'));
  symlinkSync(join(dir, 'secret.txt'), join(task2, 'stdout.log'));
  mkdirSync(join(task2, 'results'), { recursive: true });
  symlinkSync(dir, join(task2, 'results', 'out'));
  serve = await startServe(dir);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await closeChromium(browser);
  await serve?.stop();
});

// A raw request (the path exactly as given: no client-side normalisation of `..`).
function get(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(serve.base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
const withToken = (path: string) => get(path, { 'X-HSM-Token': serve.token });

describe('hsm serve security', () => {
  it('answers nothing without the right token, on every kind of request', async () => {
    for (const path of [
      '/',
      '/index.html',
      '/assets/app.js',
      '/api/sweeps',
      '/api/sweeps/sec',
      '/api/sweeps/sec/tasks/task_001/log',
      '/api/sweeps/sec/events',
    ]) {
      const tries: Record<string, string>[] = [{}, { 'X-HSM-Token': 'wrong' }, { Cookie: 'hsm_token=wrong' }];
      for (const headers of tries) {
        const r = await get(path, headers);
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(r.body).not.toMatch(/sec|task_001|<html|import /i);
      }
      // the token with its last character changed (to another one: a token ending in `x` stays itself)
      const wrong = `${serve.token.slice(0, -1)}${serve.token.endsWith('x') ? 'y' : 'x'}`;
      expect((await get(`${path}${path.includes('?') ? '&' : '?'}token=${wrong}`)).status).toBe(401);
    }
    // the right token, three ways: header, query, the cookie the page gets
    expect((await withToken('/api/sweeps')).status).toBe(200);
    const page = await get(`/?token=${serve.token}`);
    expect(page.status).toBe(200);
    expect((await get('/api/sweeps', { Cookie: `hsm_token=${serve.token}` })).status).toBe(200);
  });

  it('takes actions only as POSTs carrying the token header', async () => {
    const cancel = '/api/sweeps/sec/tasks/task_001/cancel';
    expect((await withToken(cancel)).status).toBe(405); // a GET (a link, an <img>) does nothing
    expect((await get(`${cancel}?token=${serve.token}`, {}, 'POST')).status).toBe(401);
    expect((await get(cancel, { Cookie: `hsm_token=${serve.token}` }, 'POST')).status).toBe(401);
    const r = await get(cancel, { 'X-HSM-Token': serve.token }, 'POST');
    expect(r.status).toBe(400); // allowed, and refused for a reason: no hsm process runs the sweep
    expect(JSON.parse(r.body).error).toMatch(/no hsm process is running sweep sec/);
  });

  it('serves no file outside the sweep directory: .. plain or encoded, symlinks out', async () => {
    const attempts = [
      '/api/sweeps/sec/file?path=../../../secret.txt',
      '/api/sweeps/sec/file?path=..%2F..%2F..%2Fsecret.txt',
      '/api/sweeps/sec/file?path=%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.txt',
      '/api/sweeps/sec/file?path=%252e%252e%252f%252e%252e%252f%252e%252e%252fsecret.txt',
      `/api/sweeps/sec/file?path=${encodeURIComponent(join(dir, 'secret.txt'))}`,
      '/api/sweeps/sec/file?path=tasks/task_001/../../../../secret.txt',
      '/api/sweeps/sec/file?path=tasks/task_002/results/out/secret.txt', // through a symlinked directory
      '/api/sweeps/sec/file?path=tasks/task_002/stdout.log', // a symlinked file
      '/api/sweeps/sec/tasks/task_002/log?stream=stdout',
      '/api/sweeps/sec/tasks/..%2F..%2F..%2F..%2Fsecret.txt/log',
      '/api/sweeps/..%2F..%2F..%2F/file?path=secret.txt',
      '/api/sweeps/%2e%2e/file?path=../secret.txt',
      '/api/sweeps/sec/../../../secret.txt',
      '/assets/../../secret.txt',
      '/assets/..%2F..%2Fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    ];
    for (const path of attempts) {
      const r = await withToken(path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.body, path).not.toContain(SECRET);
      expect(r.body, path).not.toContain('"name": "hpc-sweep-manager"');
    }
    // what is inside is served
    const inside = await withToken('/api/sweeps/sec/file?path=tasks/task_001/params.yaml');
    expect(inside.status).toBe(200);
    expect(JSON.parse(inside.body).text).toMatch(/x: 1/);
  });

  it('shows task output as text: an HTML/script payload in stdout is neither parsed nor run', async () => {
    const log = JSON.parse((await withToken('/api/sweeps/sec/tasks/task_001/log?stream=stdout')).body) as {
      text: string;
    };
    expect(log.text).toContain(PAYLOAD);
    const { page, errors } = await openPage(browser!, `${serve.url}#/sweep/sec/task/task_001`);
    await until('the payload shown as text', async () =>
      ((await page.$eval('#log-stdout', (e) => e.textContent)) ?? '').includes(PAYLOAD),
    );
    expect(await page.$$('#log-stdout *')).toHaveLength(0); // no element was made from it
    expect(await page.$('#bold')).toBeNull();
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    await saveScreenshot(page, 'serve-html-payload-as-text');
    expect(errors).toEqual([]);
  });

  it('listens on 127.0.0.1 by default and wants the token on any address it is told to use', async () => {
    expect(new URL(serve.url).hostname).toBe('127.0.0.1');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (external) {
      const refused = await new Promise<boolean>((resolve) => {
        const req = request({ host: external, port: new URL(serve.base).port, path: '/' }, () =>
          resolve(false),
        );
        req.on('error', () => resolve(true));
        req.end();
      });
      expect(refused).toBe(true);
    }
    const everywhere = await startServe(dir, ['--host', '0.0.0.0']);
    try {
      const port = new URL(everywhere.base).port;
      const ask = (headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, path: '/api/sweeps', headers }, (res) =>
            resolve(res.statusCode!),
          );
          req.on('error', reject);
          req.end();
        });
      expect(await ask({})).toBe(401);
      expect(await ask({ 'X-HSM-Token': everywhere.token })).toBe(200);
    } finally {
      await everywhere.stop();
    }
  });
});

// `hsm serve` on a 100,000-task sweep: how long a sorted, filtered page of 100 rows takes (median of
// RUNS requests each), and whether the live stream keeps up while the store takes 1,000 task events a
// second. The sweep is built directly through the store (no tasks run): 90,000 tasks ended (20%
// failed) with metrics, 10,000 pending for the event writer. The dashboard runs as `hsm serve` in its
// own process; this process is the client and, for the stream, the writer. Run through bench/serve.sh.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { createSweepDirectory } from '../src/state/sweep-directory.js';
import { buildSweepMetadata } from '../src/state/sweep-files.js';
import { SweepStore } from '../src/state/sweep-store.js';
import type { TaskChange } from '../src/engine/ports.js';

const N = Number(process.env.N ?? 100_000);
const RUNS = Number(process.env.RUNS ?? 21);
const RATE = Number(process.env.RATE ?? 1000);
const SECONDS = Number(process.env.SECONDS ?? 10);
const HSM = process.env.HSM_BIN!;
const PENDING = Math.min(10_000, Math.floor(N / 10));
const name = (i: number) => `task_${String(i).padStart(String(N).length, '0')}`;

function buildSweep(root: string): string {
  const t0 = Date.now();
  const tasks = (function* () {
    for (let i = 1; i <= N; i++)
      yield {
        index: i,
        name: name(i),
        key: `k${i}`,
        params: { a: i % 250, bs: [16, 32, 64, 512][i % 4]!, lr: [0.1, 0.01, 0.001][i % 3]!, c: i % 100 },
        argv: ['train', String(i)],
      };
  })();
  const sweep = createSweepDirectory({
    outputDir: join(root, 'outputs'),
    id: 'bench',
    sweepConfig: { metric: { name: 'loss', goal: 'min' } },
    metadata: buildSweepMetadata({
      id: 'bench',
      name: 'bench',
      now: new Date(),
      projectRoot: root,
      sweepFile: null,
      total: N,
      sources: ['local'],
      git: null,
      version: 'bench',
    }),
    tasks,
  });
  for (let from = 1; from <= N - PENDING; from += 10_000) {
    const changes: TaskChange[] = [];
    const metrics: { task: string; attempt: number; metrics: Record<string, unknown> }[] = [];
    for (let i = from; i < Math.min(from + 10_000, N - PENDING + 1); i++) {
      const task = name(i);
      const at = 1_700_000_000_000 + i * 10;
      const ok = i % 5 !== 0;
      changes.push({ kind: 'queued', task, attempt: 1, source: i % 3 ? 'local' : 'gpubox', at });
      changes.push({ kind: 'started', task, attempt: 1, handle: String(i), host: 'node1', at });
      changes.push({
        kind: 'finished',
        task,
        attempt: 1,
        status: ok ? 'completed' : 'failed',
        outcome: {
          exitCode: ok ? 0 : 1,
          signal: null,
          reason: ok ? 'completed' : 'failed',
          startedAt: at,
          endedAt: at + 1000 + (i % 997) * 13,
          host: 'node1',
          detail: ok ? null : 'exit code 1',
        },
      });
      metrics.push({ task, attempt: 1, metrics: { loss: ((i * 7919) % 10007) / 10007, acc: (i % 101) / 100 } });
    }
    sweep.store.apply(changes);
    sweep.store.findings.recordMetrics(metrics);
  }
  sweep.store.close();
  console.error(`sweep of ${N} tasks built in ${Date.now() - t0} ms`);
  return join(root, 'outputs', 'bench');
}

function startServe(root: string): Promise<{ base: string; token: string; stop: () => void }> {
  const child = spawn(process.execPath, [HSM, 'serve', '--port', '0', '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('\n')) return;
      const url = new URL((JSON.parse(out.split('\n')[0]!) as { url: string }).url);
      resolve({ base: url.origin, token: url.searchParams.get('token')!, stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`hsm serve exited ${code}`)));
  });
}

function get(base: string, token: string, path: string): Promise<{ ms: number; body: string; status: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers: { 'X-HSM-Token': token } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ ms: performance.now() - t0, body, status: res.statusCode! }));
    });
    req.on('error', reject);
    req.end();
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function pages(base: string, token: string): Promise<void> {
  const queries: [string, string][] = [
    ['completed, bs!=512, sorted by metric loss (descending)', 'status=completed&where=bs!%3D512&sort=loss&desc=1'],
    ['failed, sorted by duration', 'status=failed&sort=duration&desc=1'],
    ['where lr=0.01, sorted by param a, page 50', 'where=lr%3D0.01&sort=a&offset=5000'],
    ['no filter, task order, page 500', 'offset=50000'],
  ];
  console.log(`| page of 100 rows (${N} tasks, ${RUNS} requests each) | median | p95 | rows matching |`);
  console.log('| --- | --- | --- | --- |');
  for (const [label, q] of queries) {
    const path = `/api/sweeps/bench/tasks?${q}&limit=100`;
    await get(base, token, path); // the first request opens the sweep
    const times: number[] = [];
    let total = 0;
    for (let i = 0; i < RUNS; i++) {
      const r = await get(base, token, path);
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.body}`);
      total = (JSON.parse(r.body) as { total: number }).total;
      times.push(r.ms);
    }
    console.log(`| ${label} | ${median(times).toFixed(0)} ms | ${pct(times, 0.95).toFixed(0)} ms | ${total} |`);
  }
}

// Writes RATE task events a second (batches every 10 ms, as a run commits) and reads the stream.
async function stream(base: string, token: string, dir: string): Promise<void> {
  const store = SweepStore.open(join(dir, 'sweep.db'));
  const writtenAt = new Map<number, number>();
  const lags: number[] = [];
  let messages = 0;
  let lastSeen = 0;
  const req = request(`${base}/api/sweeps/bench/events`, { headers: { 'X-HSM-Token': token } });
  const connected = new Promise<void>((resolve) =>
    req.on('response', (res) => {
      let buf = '';
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          const id = (JSON.parse(data.slice(6)) as { last_id: number }).last_id;
          messages++;
          lastSeen = id;
          const at = writtenAt.get(id);
          if (at !== undefined) lags.push(Date.now() - at);
        }
      });
      resolve();
    }),
  );
  req.end();
  await connected;
  const lastId = () => store.table.lastEventId();
  const perBatch = RATE / 100;
  let next = N - PENDING + 1;
  const phase = new Map<string, number>();
  const batches = SECONDS * 100;
  const t0 = Date.now();
  let events = 0;
  for (let b = 0; b < batches; b++) {
    const changes: TaskChange[] = [];
    const at = Date.now();
    // each task goes queued -> running -> completed over three batches: three events
    for (let k = 0; k < perBatch; k++) {
      const task = name(next);
      const p = phase.get(task) ?? 0;
      if (p === 0) changes.push({ kind: 'queued', task, attempt: 1, source: 'local', at });
      else if (p === 1) changes.push({ kind: 'started', task, attempt: 1, handle: '1', host: 'node1', at });
      else
        changes.push({
          kind: 'finished',
          task,
          attempt: 1,
          status: 'completed',
          outcome: { exitCode: 0, signal: null, reason: 'completed', startedAt: at, endedAt: at, host: 'node1', detail: null },
        });
      phase.set(task, p + 1);
      if (p === 2) next++;
    }
    store.apply(changes);
    events += changes.length;
    writtenAt.set(lastId(), Date.now());
    const due = t0 + (b + 1) * 10;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
  }
  const wrote = Date.now() - t0;
  const final = lastId();
  const caughtUpBy = Date.now();
  while (lastSeen < final && Date.now() - caughtUpBy < 10_000) await new Promise((r) => setTimeout(r, 20));
  const catchUp = Date.now() - caughtUpBy;
  req.destroy();
  store.close();
  // lag of a message: from when the writer committed the event it reports to when it arrived
  console.log('');
  console.log(`| live stream while the store takes ${RATE} task events/s for ${SECONDS} s | value |`);
  console.log('| --- | --- |');
  console.log(`| events written | ${events} in ${wrote} ms (${Math.round((events * 1000) / wrote)}/s) |`);
  console.log(`| messages received (bursts coalesced) | ${messages} |`);
  console.log(`| lag of a message, median / p95 / max | ${median(lags)} / ${pct(lags, 0.95)} / ${Math.max(...lags)} ms |`);
  console.log(`| last event reported after the writer stopped | ${lastSeen >= final ? `${catchUp} ms` : 'never (fell behind)'} |`);
}

const root = process.env.WORK ?? mkdtempSync('/tmp/hsm-bench-serve-');
writeFileSync(join(root, 'hsm_config.yaml'), `defaults: {output_dir: ${join(root, 'outputs')}}\n`);
const dir = buildSweep(root);
const serve = await startServe(root);
try {
  await pages(serve.base, serve.token);
  await stream(serve.base, serve.token, dir);
} finally {
  serve.stop();
}

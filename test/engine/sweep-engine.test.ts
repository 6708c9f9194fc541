import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SweepEngine, type EngineOptions } from '../../src/engine/sweep-engine.js';
import { LocalSource } from '../../src/compute/local/local-source.js';
import { makeSweep, makeTasks } from '../helpers/sweep-fixture.js';
import { isProcessAlive, readProcessCommandLine } from '../../src/process/process-liveness.js';
import { until } from '../helpers/wait.js';

// The engine with the real local source, real runner processes and a real store.

function engineFor(
  argvs: string[][],
  opts: Partial<EngineOptions> & { jobs?: number; cgroups?: boolean } = {},
) {
  const fx = makeSweep(makeTasks(argvs));
  const source = new LocalSource({ slots: opts.jobs ?? 2, context: fx.context, cgroups: opts.cgroups });
  const engine = new SweepEngine(fx.sweep.store, fx.workspace, {
    tasks: fx.sweep.store.tasks().map((t) => t.name),
    sources: [source],
    retries: 0,
    retryDelayMs: 10,
    timeoutMs: null,
    killGraceMs: 500,
    ...opts,
  });
  return { ...fx, engine, source };
}

const sh = (script: string) => ['sh', '-c', script];

describe('SweepEngine with the local source', () => {
  it('runs every task with bounded parallelism, records outcomes, logs and the HSM_* environment', async () => {
    const { engine, sweep, root } = engineFor(
      Array.from({ length: 12 }, (_, i) =>
        sh(`echo "out $HSM_TASK_ID $HSM_ATTEMPT $HSM_SWEEP_ID"; echo err >&2; pwd; exit ${i === 4 ? 3 : 0}`),
      ),
      { jobs: 3 },
    );
    const result = await engine.run();
    expect(result.interrupted).toBe(false);
    const rows = sweep.store.tasks();
    expect(rows.filter((r) => r.status === 'completed')).toHaveLength(11);
    const failed = rows.find((r) => r.name === 'task_005')!;
    expect(failed).toMatchObject({ status: 'failed', exitCode: 3, reason: 'failed', attempts: 1 });
    const out = readFileSync(sweep.paths.taskFile('task_002', 'stdout.log'), 'utf8');
    expect(out).toBe(`out task_002 1 test_sweep\n${root}\n`);
    expect(readFileSync(sweep.paths.taskFile('task_002', 'stderr.log'), 'utf8')).toBe('err\n');
    expect(readFileSync(sweep.paths.taskFile('task_005', 'exit'), 'utf8')).toBe('attempt=1 exit=3\n');
    expect(readFileSync(sweep.paths.taskFile('task_005', 'status.yaml'), 'utf8')).toContain(
      'termination_reason: failed',
    );
    expect(readFileSync(sweep.paths.taskMapping, 'utf8')).toMatch(
      /task_012:\n {4}key: key12\n {4}status: completed/,
    );
  });

  it('starts its runners as the run begins, before the first tasks are prepared and handed over', async () => {
    const runnersAtFirstQueued: (number[] | null)[] = [];
    const { engine, sweep } = engineFor([['true'], ['true'], ['true']], {
      jobs: 2,
      onTask: (_row, event) => {
        // called once a round's tasks are committed queued, before the source is handed them
        if (event === 'queued' && runnersAtFirstQueued.length === 0)
          runnersAtFirstQueued.push(JSON.parse(sweep.store.getMeta('source:local:runner_pids') ?? 'null'));
      },
    });
    const result = await engine.run();
    expect(result.counts.completed).toBe(3);
    expect(runnersAtFirstQueued[0]).toHaveLength(2);
  });

  it('never runs more tasks at once than there are slots, and queued tasks flow', async () => {
    const ledger = join(makeSweep([]).root, 'ledger');
    const argv = sh(
      `echo "start $(date +%s%N)" >> ${ledger}; sleep 0.1; echo "end $(date +%s%N)" >> ${ledger}`,
    );
    const { engine, sweep } = engineFor(
      Array.from({ length: 10 }, () => argv),
      { jobs: 3 },
    );
    await engine.run();
    expect(sweep.store.counts().completed).toBe(10);
    let running = 0;
    let peak = 0;
    const events = readFileSync(ledger, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' ') as [string, string]);
    events.sort((a, b) => (BigInt(a[1]) < BigInt(b[1]) ? -1 : 1));
    for (const [kind] of events) {
      running += kind === 'start' ? 1 : -1;
      peak = Math.max(peak, running);
    }
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });

  it('times a task out: TERM then KILL to its whole process group, reason timeout', async () => {
    const { engine, sweep } = engineFor(
      [sh(`trap '' TERM; sleep 30 & echo $! > "$HSM_TASK_DIR/child"; wait`)],
      {
        timeoutMs: 300,
        killGraceMs: 300,
      },
    );
    await engine.run();
    const row = sweep.store.task('task_001')!;
    expect(row).toMatchObject({ status: 'failed', reason: 'timeout', signal: 'SIGKILL' });
    expect(row.detail).toContain('timed out after 0.3s');
    const child = Number(readFileSync(join(sweep.paths.taskDir('task_001'), 'child'), 'utf8'));
    await until('the grandchild to die with the group', () => !isProcessAlive(child), 20_000, 25);
  });

  it('retries a failed task with backoff and keeps the earlier attempt under attempts/1', async () => {
    const fx = makeSweep([]);
    const marker = join(fx.root, 'tried');
    const { engine, sweep } = engineFor(
      [sh(`if [ -e ${marker} ]; then echo second; else touch ${marker}; echo first; exit 1; fi`)],
      {
        retries: 2,
      },
    );
    await engine.run();
    expect(sweep.store.task('task_001')).toMatchObject({ status: 'completed', attempts: 2 });
    expect(readFileSync(sweep.paths.taskFile('task_001', 'stdout.log'), 'utf8')).toBe('second\n');
    expect(readFileSync(join(sweep.paths.attemptDir('task_001', 1), 'stdout.log'), 'utf8')).toBe('first\n');
    rmSync(marker, { force: true });
  });

  it('does not retry a command that does not exist', async () => {
    const { engine, sweep } = engineFor([['hsm-no-such-command-xyz', 'a']], { retries: 3 });
    await engine.run();
    const row = sweep.store.task('task_001')!;
    expect(row).toMatchObject({ status: 'failed', exitCode: 127, attempts: 1 });
    expect(readFileSync(sweep.paths.taskFile('task_001', 'stderr.log'), 'utf8')).toMatch(/not found/);
  });

  it('diagnoses what did not complete: a SIGKILL it did not send is an OOM, recorded as such and not retried', async () => {
    const seen: { task: string; event: string; category: string | undefined }[] = [];
    const { engine, sweep } = engineFor(
      [
        sh('echo allocating >&2; kill -9 $$'),
        sh('echo "ModuleNotFoundError: No module named \'wandb\'" >&2; exit 1'),
        sh('exit 3'),
      ],
      {
        retries: 1,
        onTask: (row, event, diagnosis) => {
          if (event === 'finished' || event === 'retrying')
            seen.push({ task: row.name, event, category: diagnosis?.category });
        },
      },
    );
    await engine.run();
    expect(sweep.store.task('task_001')).toMatchObject({
      status: 'failed',
      reason: 'oom',
      signal: 'SIGKILL',
      attempts: 1,
    });
    expect(sweep.store.task('task_002')).toMatchObject({ status: 'failed', reason: 'failed', attempts: 1 });
    expect(sweep.store.task('task_003')).toMatchObject({ status: 'failed', attempts: 2 }); // unknown: may be transient
    expect(seen).toEqual(
      expect.arrayContaining([
        { task: 'task_001', event: 'finished', category: 'oom' },
        { task: 'task_002', event: 'finished', category: 'missing_module' },
        { task: 'task_003', event: 'retrying', category: 'unknown' },
        { task: 'task_003', event: 'finished', category: 'unknown' },
      ]),
    );
  });

  it('streams output to the log file while the task runs', async () => {
    const fx = makeSweep([]);
    const go = join(fx.root, 'go');
    const { engine, sweep } = engineFor([
      sh(`echo early; while [ ! -e ${go} ]; do sleep 0.05; done; echo late`),
    ]);
    const done = engine.run();
    const log = sweep.paths.taskFile('task_001', 'stdout.log');
    await until(
      '"early" in stdout.log while the task runs',
      () => existsSync(log) && readFileSync(log, 'utf8') === 'early\n',
      30_000,
      25,
    );
    writeFileSync(go, '');
    await done;
    expect(readFileSync(log, 'utf8')).toBe('early\nlate\n');
  });

  it('cancels: running tasks are terminated and recorded cancelled, unstarted ones stay pending', async () => {
    const { engine, sweep } = engineFor(
      Array.from({ length: 6 }, () => sh('sleep 30')),
      { jobs: 2 },
    );
    const done = engine.run();
    await until('two running tasks', () => sweep.store.counts().running === 2, 30_000, 25);
    engine.cancel();
    const result = await done;
    expect(result.interrupted).toBe(true);
    const counts = sweep.store.counts();
    expect(counts).toMatchObject({ cancelled: 2, pending: 4, running: 0, queued: 0 });
    expect(sweep.store.task('task_001')).toMatchObject({ reason: 'cancelled', signal: 'SIGTERM' });
  });

  it('without cgroups, a background child of a task dies with the task (its process group)', async () => {
    const fx = makeSweep([]);
    const pids = join(fx.root, 'kid');
    const { engine, sweep } = engineFor([sh(`sleep 300 & echo $! > ${pids}; exit 0`)], { cgroups: false });
    await engine.run();
    expect(sweep.store.task('task_001')).toMatchObject({ status: 'completed' });
    const kid = Number(readFileSync(pids, 'utf8'));
    const leftover = await until(
      'the background child to be killed',
      () => !isProcessAlive(kid),
      20_000,
      20,
    ).then(
      () => false,
      () => true,
    );
    if (leftover && /^sleep 300/.test(readProcessCommandLine(kid) ?? '')) process.kill(kid, 'SIGKILL');
    expect(leftover).toBe(false);
  });
});

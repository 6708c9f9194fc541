import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PollSchedule } from '../../../src/compute/batch/poll-schedule.js';
import type {
  SchedulerCall,
  SchedulerClient,
  SchedulerResult,
} from '../../../src/compute/batch/scheduler-client.js';
import { StatusRound, type Tracked } from '../../../src/compute/batch/status-round.js';
import { slurmDialect } from '../../../src/compute/slurm/slurm-dialect.js';
import type { SourceEvent } from '../../../src/engine/ports.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// What one look at a batch source's attempts costs the scheduler, on real task directories and
// squeue lines in the format the dialect asks for (parsed by the real parser): records the runner
// wrote are read between status calls (a packed element that starts and ends between two calls is
// seen at once), and elements whose tasks all wrote their exit records need no accounting call.

class Answers implements SchedulerClient {
  readonly calls: string[] = [];
  readonly argv: string[][] = [];
  readonly counts = new Map<string, number>();
  sacct = '';
  constructor(public squeue: string) {}
  run(call: SchedulerCall): Promise<SchedulerResult> {
    const program = call.argv[0]!;
    this.calls.push(program);
    this.argv.push([...call.argv]);
    this.counts.set(program, (this.counts.get(program) ?? 0) + 1);
    const stdout = program === 'squeue' ? this.squeue : program === 'sacct' ? this.sacct : '';
    return Promise.resolve({
      exitCode: 0,
      signal: null,
      stdout,
      stderr: '',
      error: null,
      missing: false,
      timedOut: false,
    } as SchedulerResult);
  }
}

function element(root: string, jobId: string, index: number, tasks: string[]): Tracked[] {
  return tasks.map((task) => {
    const localDir = join(root, task);
    mkdirSync(localDir);
    return {
      task,
      attempt: 1,
      localDir,
      jobId,
      index,
      token: 't0',
      since: Date.now(),
      started: false,
      phase: 'unknown',
      leftQueueAt: null,
      cancelRequested: false,
      packed: true,
    };
  });
}

const ran = (t: Tracked, exit?: number) => {
  writeFileSync(join(t.localDir, 'started'), `attempt=1 pid=42 host=node1\n`);
  if (exit !== undefined) writeFileSync(join(t.localDir, 'exit'), `attempt=1 exit=${exit}\n`);
};
const line = (index: string, state: string, job = '7') =>
  `${job}|${index}|${state}|None|node1|hsm-s|hsm:s:t0\n`;
const finished = (events: SourceEvent[]) => events.filter((e) => e.kind === 'finished').map((e) => e.task);

describe('a status round of a packed sweep', () => {
  it('sees an element the last squeue called queued start and end from its records, with no new call', async () => {
    const root = makeTempDir('hsm-round-');
    const e0 = element(root, '7', 0, ['a1', 'a2']);
    const e1 = element(root, '7', 1, ['b1', 'b2']);
    const tracked = [...e0, ...e1];
    const client = new Answers(line('0', 'RUNNING') + line('1', 'PENDING'));
    const schedule = new PollSchedule({ minMs: 60_000, maxMs: 60_000, callsPerMinute: 40 });
    const round = new StatusRound(slurmDialect, client, 'hsm-s', schedule, () => {});
    expect((await round.run(tracked, true)).events).toEqual([]);
    expect(tracked.map((t) => t.phase)).toEqual(['running', 'running', 'queued', 'queued']);
    // element 1 starts and runs both its tasks before the next status call is due
    ran(e1[0]!, 0);
    ran(e1[1]!, 0);
    await new Promise((r) => setTimeout(r, 600));
    const events = (await round.run(tracked, false)).events;
    expect(finished(events).sort()).toEqual(['b1', 'b2']);
    expect(events.filter((e) => e.kind === 'started')).toHaveLength(2);
    expect(client.calls).toEqual(['squeue']);
  });

  it('reads an element in its runner order, up to the first task not started', async () => {
    const root = makeTempDir('hsm-round-');
    const e0 = element(root, '7', 0, ['a1', 'a2', 'a3']);
    const client = new Answers(line('0', 'RUNNING'));
    const schedule = new PollSchedule({ minMs: 60_000, maxMs: 60_000, callsPerMinute: 40 });
    const round = new StatusRound(slurmDialect, client, 'hsm-s', schedule, () => {});
    ran(e0[0]!, 0);
    ran(e0[1]!);
    const events = (await round.run(e0, true)).events;
    expect(finished(events)).toEqual(['a1']);
    expect(events.filter((e) => e.kind === 'started').map((e) => e.task)).toEqual(['a1', 'a2']);
  });

  it('asks accounting only for elements that left the queue without exit records', async () => {
    const root = makeTempDir('hsm-round-');
    const e0 = element(root, '7', 0, ['a1', 'a2']);
    const e1 = element(root, '8', 0, ['b1']);
    const client = new Answers(line('0', 'PENDING') + line('0', 'PENDING', '8'));
    const schedule = new PollSchedule({ minMs: 0, maxMs: 0, callsPerMinute: 40 });
    const round = new StatusRound(slurmDialect, client, 'hsm-s', schedule, () => {});
    await round.run([...e0, ...e1], true);
    // both jobs ran and left the queue before the next call; job 7's tasks wrote their exit
    // records, job 8's task wrote none: accounting is asked once, for job 8 alone
    ran(e0[0]!, 0);
    ran(e0[1]!, 0);
    client.squeue = '';
    const events = (await round.run([...e0, ...e1], true)).events;
    expect(finished(events).sort()).toEqual(['a1', 'a2']);
    expect(client.calls).toEqual(['squeue', 'squeue', 'sacct']);
    expect(client.argv.at(-1)).toContain('--jobs=8');
  });

  it('an array cancelled before any element started (one sacct record, no index) puts its tasks back', async () => {
    const root = makeTempDir('hsm-round-');
    const e0 = element(root, '9', 0, ['a1', 'a2']);
    const e1 = element(root, '9', 1, ['b1', 'b2']);
    const tracked = [...e0, ...e1];
    for (const t of tracked) t.cancelRequested = true;
    const client = new Answers('');
    // recorded from the Slurm 22.05 of scripts/infra: `scancel` of a pending 4-element array
    client.sacct =
      '9|CANCELLED by 0|0:0|None|None assigned|2026-12-01T20:44:09|2026-12-01T20:44:09|hsm:s:t0\n';
    const schedule = new PollSchedule({ minMs: 0, maxMs: 0, callsPerMinute: 40 });
    const round = new StatusRound(slurmDialect, client, 'hsm-s', schedule, () => {});
    const events = (await round.run(tracked, true)).events;
    expect(events.map((e) => e.kind === 'finished' && e.neverStarted && e.task).sort()).toEqual([
      'a1',
      'a2',
      'b1',
      'b2',
    ]);
  });
});

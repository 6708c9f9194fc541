import type { AccountingEntry, QueueEntry, SchedulerLimits } from '../batch/batch-dialect.js';

// Parsers of what Slurm's commands print, in the formats slurm-dialect.ts asks for. Tested on
// recorded output (test/fixtures/slurm/). Lines a parser does not recognise are skipped, never
// guessed at: an element missing from the answer is looked up again, not taken for ended.

/** squeue --format: array job id, array task id(s), state, reason, nodes, name, comment (last:
 * it may hold the separator). */
export const SQUEUE_FORMAT = '%F|%K|%T|%r|%N|%j|%k';

/** sacct --format (with --parsable2: fields split by `|`, comment last). */
export const SACCT_FIELDS = 'JobID,State,ExitCode,Reason,NodeList,Start,End,Comment';

/** `4`, `2-7%2`, `1,3,5-7` -> indices; null when it is not an index list (`N/A`). */
export function parseIndexList(text: string): number[] | null {
  const t = text.replace(/%\d+$/, '').replace(/^\[|\]$/g, '');
  if (!/^\d+(-\d+)?(:\d+)?(,\d+(-\d+)?(:\d+)?)*$/.test(t)) return null;
  const out: number[] = [];
  for (const part of t.split(',')) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part)!;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    const step = m[3] === undefined ? 1 : Math.max(1, Number(m[3]));
    for (let i = from; i <= to; i += step) out.push(i);
  }
  return out;
}

function phaseOf(state: string): QueueEntry['phase'] {
  switch (state) {
    case 'PENDING':
    case 'REQUEUED':
    case 'REQUEUE_HOLD':
    case 'REQUEUE_FED':
    case 'RESV_DEL_HOLD':
      return 'queued';
    case 'RUNNING':
    case 'CONFIGURING':
    case 'SUSPENDED':
    case 'STOPPED':
    case 'SIGNALING':
    case 'RESIZING':
      return 'running';
    default:
      return 'ending';
  }
}

const orNull = (s: string | undefined) => (s === undefined || s === '' || s === '(null)' ? null : s);

export function parseSqueue(stdout: string): QueueEntry[] {
  const out: QueueEntry[] = [];
  for (const line of stdout.split('\n')) {
    const f = line.split('|');
    if (f.length < 7 || !/^\d+$/.test(f[0]!)) continue;
    const [jobId, task, state, reason, node, name] = f as [string, string, string, string, string, string];
    const indices = parseIndexList(task);
    const entry: QueueEntry = {
      jobId,
      index: indices && indices.length === 1 && !/[-,%]/.test(task) ? indices[0]! : null,
      state,
      phase: phaseOf(state),
      reason: orNull(reason) === 'None' ? null : orNull(reason),
      node: orNull(node),
      name,
      comment: orNull(f.slice(6).join('|')),
    };
    if (entry.index === null && indices) entry.indices = indices;
    out.push(entry);
  }
  return out;
}

/** sacct time (`2026-12-01T17:13:08`, local time) -> ms epoch; null for Unknown/None. */
function sacctTime(text: string): number | null {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(text)) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}

/** `sacct --parsable2 --noheader -X --duplicates` lines -> one entry per job or element: its latest
 * record, with the records before it counted as restarts. Each earlier record is a run Slurm
 * requeued, whatever its state says: REQUEUED after `scontrol requeue`, but PREEMPTED after a
 * preemption with PreemptMode=REQUEUE and NODE_FAIL after a node failure. */
export function parseSacct(stdout: string): AccountingEntry[] {
  const byId = new Map<string, AccountingEntry>();
  for (const line of stdout.split('\n')) {
    const f = line.split('|');
    if (f.length < 8) continue;
    const [id, stateText, exit, reason, node, start, end] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    // `123`, `123_4`, and elements that never started folded into one record (`123_[6-9]`, e.g.
    // cancelled while pending); steps (`123_4.batch`) are skipped
    const m = /^(\d+)(?:_(\d+|\[[\d,:%-]+\]))?$/.exec(id);
    if (!m) continue;
    const indices: (number | null)[] =
      m[2] === undefined ? [null] : m[2].startsWith('[') ? (parseIndexList(m[2]) ?? []) : [Number(m[2])];
    const state = stateText.split(' ')[0]!;
    const ex = /^(\d+):(\d+)$/.exec(exit);
    for (const index of indices) {
      const key = `${m[1]}_${index}`;
      const previous = byId.get(key);
      byId.set(key, {
        jobId: m[1]!,
        index,
        state,
        exitCode: ex ? Number(ex[1]) : null,
        signal: ex && Number(ex[2]) > 0 ? Number(ex[2]) : null,
        reason: orNull(reason) === 'None' ? null : orNull(reason),
        node: node === 'None assigned' ? null : orNull(node),
        restarts: previous ? previous.restarts + 1 : 0,
        startedAt: sacctTime(start),
        endedAt: sacctTime(end),
        comment: orNull(f.slice(7).join('|')),
      });
    }
  }
  return [...byId.values()];
}

/** `scontrol show config` -> the limits hsm plans arrays by. */
export function parseScontrolConfig(stdout: string): SchedulerLimits {
  const m = /^MaxArraySize\s*=\s*(\d+)/m.exec(stdout);
  return { maxArraySize: m ? Number(m[1]) : 1001 };
}

/** `sbatch --parsable` prints `jobid` or `jobid;cluster`. */
export function parseSbatch(stdout: string): string {
  const m = /^(\d+)(?:;\S+)?\s*$/m.exec(stdout.trim());
  if (!m) throw new Error(`sbatch printed no job id: ${JSON.stringify(stdout.slice(0, 200))}`);
  return m[1]!;
}

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordAttempt } from '../../process/task-records.js';

// `tasks_per_job`: short tasks packed N to an allocation. The decision is here (which element runs
// which attempts); the runner inside the job works through its element's tasks in turn
// (`hsm-runner.sh run A1 D1 A2 D2 ...`), each with its own records and exit code. A packed task is
// stopped alone through its directory (the job and its other tasks go on): `kill.<attempt>` holds
// the seconds between TERM and KILL, `withdrawn.<attempt>` makes the runner skip one not started.

/** Items in elements of at most `perJob`, in order: element i runs items [i*n, (i+1)*n). */
export function packIntoElements<T>(items: readonly T[], perJob: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += perJob) out.push(items.slice(i, i + perJob));
  return out;
}

/** Stops one attempt of a packed element: a running one is killed (TERM, KILL after the grace), one
 * not started is withdrawn (and killed at once should the runner reach it while this is written). */
export function stopPackedAttempt(
  localDir: string,
  attempt: number,
  started: boolean,
  graceMs: number,
): void {
  const grace = String(Math.max(1, Math.ceil(graceMs / 1000)));
  if (!started) writeFileSync(join(localDir, `withdrawn.${attempt}`), '');
  writeFileSync(join(localDir, `kill.${attempt}`), started ? grace : '0');
}

/** The runner reserved the attempt's records (it was about to start it, or did, and no start
 * record followed): it may have run. */
export function reservedAttempt(localDir: string, attempt: number): boolean {
  return recordAttempt(join(localDir, 'started')) === attempt;
}

import type { TaskStatus } from '../domain/task.js';
import type { Expectation } from './matrix-definition.js';

// A job's verdict against what its condition expects. Pure.

export const VERDICTS = ['pass', 'fail', 'running', 'pending'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface JobOutcomeView {
  status: TaskStatus;
  exitCode: number | null;
  reason: string | null;
}

// pending until the job starts, running until it has ended; then pass when every expectation given holds (the exit
// code the job ended with; the termination reason), fail otherwise, with why.
export function judgeJob(job: JobOutcomeView, expect: Expectation): { verdict: Verdict; why: string | null } {
  switch (job.status) {
    case 'pending':
    case 'queued': // handed to its source, not started (a Slurm job waiting in the queue)
      return { verdict: 'pending', why: null };
    case 'running':
      return { verdict: 'running', why: null };
    case 'completed':
    case 'failed':
    case 'cancelled':
    case 'lost':
      break;
  }
  const problems: string[] = [];
  if (expect.exit_code !== undefined && job.exitCode !== expect.exit_code)
    problems.push(`exit code ${job.exitCode ?? 'none'}, expected ${expect.exit_code}`);
  if (expect.reason !== undefined && job.reason !== expect.reason)
    problems.push(`ended by ${job.reason ?? 'unknown'}, expected ${expect.reason}`);
  return problems.length === 0
    ? { verdict: 'pass', why: null }
    : { verdict: 'fail', why: problems.join('; ') };
}

// Counts by verdict, every verdict present.
export function countVerdicts(verdicts: readonly Verdict[]): Record<Verdict, number> {
  const out = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const v of verdicts) out[v]++;
  return out;
}

import { HsmError } from '../../domain/errors.js';
import type { BatchDialect, SubmitFailure } from './batch-dialect.js';
import type { SchedulerClient } from './scheduler-client.js';

// One submission of one job script, idempotent: a temporary refusal (controller down, busy,
// restarting) is retried with backoff; a submit that did not answer in time may still have been
// accepted, so before it is sent again the scheduler is asked for a job of the sweep carrying this
// submission's token (its comment). A permanent refusal is a clear error at once.

export const SUBMIT_TIMEOUT_MS = 60_000;
const STATUS_TIMEOUT_MS = 30_000;

export interface SubmitJobInput {
  scriptPath: string;
  jobName: string;
  /** The comment the job carries (`hsm:<sweep>:<token>`): how a lost answer is found again. */
  comment: string;
  /** When the first try was made (ms): accounting is searched from there. */
  submittedSince: number;
  /** Delays between tries of a temporary failure. */
  backoffMs: readonly number[];
  onLog?: (line: string) => void;
}

/** The place the scheduler's commands run (a login node over ssh) cannot be reached: nothing was
 * submitted; the source stops taking tasks, which stay pending. */
export class SchedulerUnreachableError extends HsmError {
  constructor(message: string) {
    super('infra', message);
  }
}

/** A refusal sbatch/qsub will repeat (bad partition, bad time): the source stops taking tasks. */
export class PermanentSubmitError extends HsmError {
  constructor(message: string, hint: string) {
    // the fix goes into the message too: it becomes each task's submit_error detail
    super('config', `${message}; fix: ${hint}`, { hint });
  }
}

export async function submitJob<R>(
  dialect: BatchDialect<R>,
  client: SchedulerClient,
  input: SubmitJobInput,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<string> {
  let unanswered = false;
  let unreachable: string | null = null;
  let last: SubmitFailure | null = null;
  for (let tryNo = 0; tryNo <= input.backoffMs.length; tryNo++) {
    if (tryNo > 0) await sleep(input.backoffMs[tryNo - 1]!);
    if (unanswered) {
      const found = await findSubmitted(dialect, client, input);
      if (found) {
        input.onLog?.(`submit that timed out was accepted after all: job ${found}`);
        return found;
      }
    }
    const r = await client.run({ argv: dialect.submitArgv(input.scriptPath), timeoutMs: SUBMIT_TIMEOUT_MS });
    if (r.unreachable) {
      // the connection may have broken after the submit reached the login node: looked up first
      unanswered = true;
      unreachable = r.unreachable;
      input.onLog?.(`login node unreachable (try ${tryNo + 1}): ${r.unreachable}`);
      continue;
    }
    unreachable = null;
    if (r.missing)
      throw new PermanentSubmitError(
        `${dialect.submitProgram} was not found on PATH: hsm submits jobs where the scheduler's commands are`,
        `run hsm on a login node of the cluster (or load its module), or set \`host:\` on the source to submit over ssh`,
      );
    if (r.exitCode === 0) {
      try {
        return dialect.parseSubmit(r.stdout);
      } catch (err) {
        throw new HsmError('infra', (err as Error).message, {
          hint: `check the job under the sweep's scripts/job_scripts/ with ${dialect.submitProgram}`,
        });
      }
    }
    last = dialect.classifySubmitError(r.exitCode, r.stderr);
    if (last.kind === 'permanent') throw new PermanentSubmitError(last.message, last.hint);
    unanswered = unanswered || r.exitCode === null;
    input.onLog?.(`temporary submit failure (try ${tryNo + 1}): ${last.message}`);
  }
  if (unanswered) {
    const found = await findSubmitted(dialect, client, input);
    if (found) return found;
  }
  if (unreachable !== null) throw new SchedulerUnreachableError(unreachable);
  throw new HsmError('infra', last!.message, { hint: last!.hint });
}

// A job of this sweep with this submission's comment: in the queue, else in accounting (a job
// that ran and ended since). Null when there is none or the scheduler cannot say.
async function findSubmitted<R>(
  dialect: BatchDialect<R>,
  client: SchedulerClient,
  input: SubmitJobInput,
): Promise<string | null> {
  const r = await client.run({ argv: dialect.queueArgv(input.jobName), timeoutMs: STATUS_TIMEOUT_MS });
  if (r.exitCode !== 0) return null;
  const hit = dialect.parseQueue(r.stdout).find((e) => e.comment === input.comment);
  if (hit) return hit.jobId;
  const find = dialect.findArgv(input.jobName, input.submittedSince);
  if (!find) return null;
  const a = await client.run({ argv: find, timeoutMs: STATUS_TIMEOUT_MS });
  if (a.exitCode !== 0) return null;
  return dialect.parseAccounting(a.stdout).find((e) => e.comment === input.comment)?.jobId ?? null;
}

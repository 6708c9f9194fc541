import type { TerminationReason } from '../../domain/task.js';
import type { AccountingEntry, JobVerdict, SubmitFailure } from '../batch/batch-dialect.js';

// Slurm's job states and sbatch's errors in hsm's words: one table each, exhaustive over what
// Slurm 22.05+ prints (`man squeue`, JOB STATE CODES).

/** null: not over yet. */
const STATE_REASON: Record<string, TerminationReason | null> = {
  PENDING: null,
  RUNNING: null,
  REQUEUED: null,
  REQUEUE_HOLD: null,
  REQUEUE_FED: null,
  RESV_DEL_HOLD: null,
  RESIZING: null,
  SUSPENDED: null,
  STOPPED: null,
  CONFIGURING: null,
  COMPLETING: null,
  SIGNALING: null,
  STAGE_OUT: null,
  COMPLETED: 'completed',
  FAILED: 'failed',
  SPECIAL_EXIT: 'failed',
  TIMEOUT: 'timeout',
  // the user's own `--deadline` came before the job could end: another attempt starts past it, and
  // twice the time (a timeout's retry) would only make the deadline harder to meet; not run again
  DEADLINE: 'cancelled',
  OUT_OF_MEMORY: 'oom',
  CANCELLED: 'cancelled',
  REVOKED: 'cancelled',
  PREEMPTED: 'preempted',
  NODE_FAIL: 'node_fail',
  BOOT_FAIL: 'node_fail',
};

const DETAIL: Record<string, string> = {
  TIMEOUT: 'Slurm ended the job at its time limit',
  DEADLINE:
    'Slurm ended the job at its deadline (its --deadline came before it could end; not run again: `hsm complete` runs it)',
  OUT_OF_MEMORY: 'Slurm killed the job for exceeding its memory limit',
  CANCELLED: 'the job was cancelled in Slurm',
  REVOKED: 'the job was revoked by the federation',
  PREEMPTED: 'the job was preempted by a higher-priority job',
  NODE_FAIL: 'the node running the job failed',
  BOOT_FAIL: 'the node allocated to the job failed to boot',
};

export function slurmVerdict(e: AccountingEntry): JobVerdict {
  const reason = e.state in STATE_REASON ? STATE_REASON[e.state]! : 'failed';
  if (reason === null) return { reason: null, detail: null };
  const where = e.node ? ` on ${e.node}` : '';
  const restarts = e.restarts > 0 ? ` (requeued ${e.restarts}x)` : '';
  let detail = DETAIL[e.state] ?? null;
  if (reason === 'failed')
    detail =
      e.signal !== null
        ? `the job was killed by signal ${e.signal}`
        : e.state in STATE_REASON
          ? `the job's script exited with ${e.exitCode ?? '?'}`
          : `Slurm state ${e.state}`;
  if (reason === 'completed') detail = null;
  return { reason, detail: detail === null ? null : `${detail}${where}${restarts}` };
}

// sbatch's words for a refusal that may pass (the controller is busy, restarting or unreachable,
// a submit limit that frees up as jobs end): retried with backoff.
const TEMPORARY =
  /unable to contact slurm controller|socket timed out|temporarily unable|resource temporarily unavailable|zero bytes were transmitted|connection refused|connection timed out|transport endpoint|communication connection failure|slurm controller not responding|slurmctld.*(down|not responding)|maxsubmitjob|submitlimit|job violates accounting\/qos policy.*submit/i;

// The permanent ones hsm can name a fix for; anything else is shown as sbatch said it.
const PERMANENT: [RegExp, string][] = [
  [/invalid partition/i, 'set `partition:` to a partition `sinfo -s` lists'],
  [
    /invalid --time|time limit|PartitionTimeLimit/i,
    'set `time:` within the partition\'s limit (`sinfo -o "%P %l"`), as D-HH:MM:SS',
  ],
  [/memory specification|MaxMemPer|mem/i, 'lower `mem:` to what the nodes have (`sinfo -o "%P %m"`)'],
  [/invalid (generic resource|gres)|gpus/i, 'check `gpus:`/`gres:` against `sinfo -o "%P %G"`'],
  [/invalid feature|constraint/i, 'check `constraint:` against the node features `sinfo -o "%P %f"` lists'],
  [
    /invalid account|account/i,
    'set `account:` to an account you belong to (`sacctmgr show assoc user=$USER`)',
  ],
  [
    /invalid qos|qos/i,
    'set `qos:` to a QOS your account may use (`sacctmgr show assoc user=$USER format=qos`)',
  ],
  [/job array/i, "lower `array_throttle:` or ask the cluster's MaxArraySize (`scontrol show config`)"],
  [/node configuration is not available/i, "ask for resources the partition's nodes have (`sinfo -N -l`)"],
];

export function classifySbatchError(exitCode: number | null, stderr: string): SubmitFailure {
  const said = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-3)
    .join('; ');
  if (exitCode === null)
    return {
      kind: 'temporary',
      message: `sbatch did not answer in time${said ? `: ${said}` : ''}`,
      hint: 'the Slurm controller is slow or unreachable; hsm asks it whether the job was taken before trying again',
    };
  if (TEMPORARY.test(stderr))
    return {
      kind: 'temporary',
      message: `Slurm refused the job for now: ${said}`,
      hint: 'hsm retries with backoff; check the controller with `scontrol ping`',
    };
  const fix = PERMANENT.find(([re]) => re.test(stderr));
  return {
    kind: 'permanent',
    message: `sbatch refused the job: ${said || `exit ${exitCode}`}`,
    hint: fix
      ? fix[1]
      : "fix the source's fields in hsm_config.yaml (the job script is under the sweep's scripts/job_scripts/)",
  };
}

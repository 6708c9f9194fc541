import { constants } from 'node:os';
import type { TerminationReason } from '../../domain/task.js';
import type { PbsFlavour } from './pbs-flavour.js';
import type { PbsJobStatus } from './pbs-status.js';

// What a PBS job's state and exit status mean for the attempt(s) it ran. The exit record the runner
// writes always comes first (the engine reads it); this is the scheduler's word for a job that ended
// without one (killed at its walltime or memory limit, deleted, its node lost) or has not ended.
//
// Exit_status conventions (PBS Pro/OpenPBS job.h, Torque's "job exit status" page):
//   0..255    the job script's own exit status (128+N: its shell saw signal N)
//   256+N     the job was killed by signal N (qdel, or a limit enforced with a signal: Torque's
//             walltime kill shows as 271 = SIGTERM or 265 = SIGKILL)
//   negative  the server/MoM's own codes, which differ between the two (-11 is a walltime kill on
//             Torque, a rerun on PBS Pro)

export type PbsPhase = 'queued' | 'running' | 'finished';

export interface PbsVerdict {
  phase: PbsPhase;
  /** For a finished job: how it ended. */
  reason?: TerminationReason;
  signal?: string;
  detail: string;
}

type Code = [TerminationReason, string];

const PRO_CODES: Record<number, Code> = {
  [-1]: ['node_fail', 'JOB_EXEC_FAIL1: the job could not start on its node'],
  [-2]: ['node_fail', 'JOB_EXEC_FAIL2: the job failed to start after its files were staged'],
  [-3]: ['node_fail', 'JOB_EXEC_RETRY: the job could not start (bad node or prologue)'],
  [-4]: ['node_fail', 'JOB_EXEC_INITABT: the job was aborted when its MoM restarted'],
  [-5]: ['node_fail', 'JOB_EXEC_INITRST: the job was aborted when its MoM restarted'],
  [-6]: ['node_fail', 'JOB_EXEC_INITRMG: the job was aborted when its MoM restarted'],
  [-7]: ['failed', 'JOB_EXEC_BADRESRT: the job could not be restarted'],
  [-10]: ['failed', 'JOB_EXEC_FAILUID: invalid user or group for the job'],
  [-11]: ['preempted', 'JOB_EXEC_RERUN: the job was rerun (qrerun or preemption)'],
  [-12]: ['preempted', 'JOB_EXEC_CHKP: the job was checkpointed and killed (preemption)'],
  [-13]: ['failed', 'JOB_EXEC_FAIL_PASSWORD: bad password'],
  [-14]: ['node_fail', 'JOB_EXEC_RERUN_SIS_FAIL: a sister node of the job failed'],
  [-15]: ['preempted', 'JOB_EXEC_QUERST: requeued to restart from a checkpoint'],
  [-16]: ['failed', 'JOB_EXEC_FAILHOOK_RERUN: a site hook rejected the job'],
  [-17]: ['failed', 'JOB_EXEC_FAILHOOK_DELETE: a site hook rejected the job'],
  [-18]: ['failed', 'JOB_EXEC_HOOK_RERUN: a site hook requeued the job'],
  [-19]: ['failed', 'JOB_EXEC_HOOK_DELETE: a site hook deleted the job'],
  [-20]: ['node_fail', "JOB_EXEC_RERUN_MS_FAIL: the connection to the job's first node was lost"],
  [-21]: ['failed', 'JOB_EXEC_FAIL_SECURITY: security problem in the PBS directory'],
  [-22]: ['failed', 'JOB_EXEC_HOOKERROR: a site hook failed'],
  [-23]: ['failed', 'JOB_EXEC_FAIL_KRB5: no Kerberos credentials'],
  [-24]: ['failed', 'JOB_EXEC_KILL_NCPUS_BURST: killed for using more CPUs than requested'],
  [-25]: ['failed', 'JOB_EXEC_KILL_NCPUS_SUM: killed for using more CPUs than requested'],
  [-26]: ['oom', 'JOB_EXEC_KILL_VMEM: killed for exceeding its vmem limit'],
  [-27]: ['oom', 'JOB_EXEC_KILL_MEM: killed for exceeding its mem limit'],
  [-28]: ['timeout', 'JOB_EXEC_KILL_CPUT: killed for exceeding its cput limit'],
  [-29]: ['timeout', 'JOB_EXEC_KILL_WALLTIME: killed for exceeding its walltime'],
};

const TORQUE_CODES: Record<number, Code> = {
  [-1]: ['node_fail', 'JOB_EXEC_FAIL1: the job could not start on its node'],
  [-2]: ['node_fail', 'JOB_EXEC_FAIL2: the job failed to start after its files were staged'],
  [-3]: ['node_fail', 'JOB_EXEC_RETRY: the job could not start (bad node or prologue)'],
  [-4]: ['node_fail', 'JOB_EXEC_INITABT: the job was aborted when its MoM restarted'],
  [-5]: ['node_fail', 'JOB_EXEC_INITRST: the job was aborted when its MoM restarted'],
  [-6]: ['node_fail', 'JOB_EXEC_INITRMG: the job was aborted when its MoM restarted'],
  [-7]: ['failed', 'JOB_EXEC_BADRESRT: the job could not be restarted'],
  [-8]: ['failed', 'JOB_EXEC_CMDFAIL: the job script could not be executed'],
  [-9]: ['failed', "JOB_EXEC_STDOUTFAIL: the job's output file could not be created"],
  [-10]: ['oom', 'JOB_EXEC_OVERLIMIT_MEM: killed for exceeding its memory limit'],
  [-11]: ['timeout', 'JOB_EXEC_OVERLIMIT_WT: killed for exceeding its walltime'],
  [-12]: ['timeout', 'JOB_EXEC_OVERLIMIT_CPUT: killed for exceeding its cput limit'],
  [-13]: ['node_fail', "JOB_EXEC_RETRY_CGROUP: the job's cgroup could not be created"],
  [-14]: ['node_fail', 'JOB_EXEC_RETRY_PROLOGUE: the prologue failed'],
};

const SIGNAL_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(constants.signals).map(([name, num]) => [num, name]),
);

export function judgePbsJob(job: PbsJobStatus, flavour: PbsFlavour): PbsVerdict {
  switch (job.state) {
    case 'Q':
      return { phase: 'queued', detail: 'queued' };
    case 'H':
      return { phase: 'queued', detail: 'held (`qrls` releases it)' };
    case 'W':
      return { phase: 'queued', detail: 'waiting for its start time' };
    case 'T':
      return { phase: 'queued', detail: 'in transit to its queue' };
    case 'M':
      return { phase: 'queued', detail: 'moved to another server' };
    case 'R':
      return { phase: 'running', detail: 'running' };
    case 'B':
      return { phase: 'running', detail: 'array with subjobs running' };
    case 'E':
      return { phase: 'running', detail: 'exiting' };
    case 'S':
    case 'U':
      return { phase: 'running', detail: 'suspended' };
    case 'F':
    case 'X':
    case 'C':
      return finished(job, flavour);
    default:
      return { phase: 'running', detail: `in state ${job.state}, which hsm does not know: taken as running` };
  }
}

function finished(job: PbsJobStatus, flavour: PbsFlavour): PbsVerdict {
  const status = job.exitStatus;
  if (status === null) {
    // the server records no exit status for a job deleted before it ran; one that ran (it has a
    // host) without one comes from a front-end that never reports any: its exit record decides
    if (job.host === null) return { phase: 'finished', reason: 'cancelled', detail: 'deleted before it ran' };
    return {
      phase: 'finished',
      reason: 'failed',
      detail: `ended on ${job.host}; the server gives no exit status`,
    };
  }
  if (status === 0) return { phase: 'finished', reason: 'completed', detail: 'exit 0' };
  if (status < 0) {
    const code = (flavour === 'pro' ? PRO_CODES : TORQUE_CODES)[status];
    if (code) return { phase: 'finished', reason: code[0], detail: `${code[1]} (Exit_status ${status})` };
    return {
      phase: 'finished',
      reason: 'failed',
      detail: `the server ended the job (Exit_status ${status})`,
    };
  }
  if (status <= 255) {
    const signal = status > 128 ? SIGNAL_NAMES[status - 128] : undefined;
    return signal
      ? { phase: 'finished', reason: 'failed', signal, detail: `the job script died of ${signal}` }
      : { phase: 'finished', reason: 'failed', detail: `the job script exited ${status}` };
  }
  const signal = SIGNAL_NAMES[status - 256] ?? `SIG${status - 256}`;
  const base = { phase: 'finished' as const, signal };
  if (overLimit(job.walltimeUsedS, job.walltimeLimitS))
    return {
      ...base,
      reason: 'timeout',
      detail: `killed by ${signal} at its walltime limit (Exit_status ${status})`,
    };
  if (overLimit(job.memUsedKb, job.memLimitKb))
    return {
      ...base,
      reason: 'oom',
      detail: `killed by ${signal} at its memory limit (Exit_status ${status})`,
    };
  if (signal === 'SIGTERM' || signal === 'SIGKILL')
    return {
      ...base,
      reason: 'cancelled',
      detail: `killed by ${signal}: deleted (qdel) (Exit_status ${status})`,
    };
  return { ...base, reason: 'failed', detail: `killed by ${signal} (Exit_status ${status})` };
}

function overLimit(used: number | null, limit: number | null): boolean {
  return used !== null && limit !== null && limit > 0 && used >= limit;
}

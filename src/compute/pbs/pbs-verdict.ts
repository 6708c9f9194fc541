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

// The MoM's job-start failures, the same codes on both
const START_CODES: Record<number, Code> = {
  [-1]: ['node_fail', 'JOB_EXEC_FAIL1: the job could not start on its node'],
  [-2]: ['node_fail', 'JOB_EXEC_FAIL2: the job failed to start after its files were staged'],
  [-3]: ['node_fail', 'JOB_EXEC_RETRY: the job could not start (bad node or prologue)'],
  [-4]: ['node_fail', 'JOB_EXEC_INITABT: the job was aborted when its MoM restarted'],
  [-5]: ['node_fail', 'JOB_EXEC_INITRST: the job was aborted when its MoM restarted'],
  [-6]: ['node_fail', 'JOB_EXEC_INITRMG: the job was aborted when its MoM restarted'],
  [-7]: ['failed', 'JOB_EXEC_BADRESRT: the job could not be restarted'],
};

const PRO_CODES: Record<number, Code> = {
  ...START_CODES,
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
  ...START_CODES,
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

/** States of a job not finished: its phase and what it means. */
const STATES = new Map<string, [PbsPhase, string]>([
  ['Q', ['queued', 'queued']],
  ['H', ['queued', 'held (`qrls` releases it)']],
  ['W', ['queued', 'waiting for its start time']],
  ['T', ['queued', 'in transit to its queue']],
  ['M', ['queued', 'moved to another server']],
  ['R', ['running', 'running']],
  ['B', ['running', 'array with subjobs running']],
  ['E', ['running', 'exiting']],
  ['S', ['running', 'suspended']],
  ['U', ['running', 'suspended']],
]);

export function judgePbsJob(job: PbsJobStatus, flavour: PbsFlavour): PbsVerdict {
  if (job.state === 'F' || job.state === 'X' || job.state === 'C') return finished(job, flavour);
  const [phase, detail] = STATES.get(job.state) ?? [
    'running',
    `in state ${job.state}, which hsm does not know: taken as running`,
  ];
  return { phase, detail };
}

function ended(reason: TerminationReason, detail: string, signal?: string): PbsVerdict {
  return { phase: 'finished', reason, ...(signal ? { signal } : {}), detail };
}

function finished(job: PbsJobStatus, flavour: PbsFlavour): PbsVerdict {
  const status = job.exitStatus;
  if (status === null) {
    // the server records no exit status for a job deleted before it ran; one that ran (it has a
    // host) without one comes from a front-end that never reports any: its exit record decides
    if (job.host === null) return ended('cancelled', 'deleted before it ran');
    return ended('failed', `ended on ${job.host}; the server gives no exit status`);
  }
  if (status === 0) return ended('completed', 'exit 0');
  if (status < 0) {
    const code = (flavour === 'pro' ? PRO_CODES : TORQUE_CODES)[status];
    if (code) return ended(code[0], `${code[1]} (Exit_status ${status})`);
    return ended('failed', `the server ended the job (Exit_status ${status})`);
  }
  if (status <= 255) {
    const signal = status > 128 ? SIGNAL_NAMES[status - 128] : undefined;
    return signal
      ? ended('failed', `the job script died of ${signal}`, signal)
      : ended('failed', `the job script exited ${status}`);
  }
  // 256+N: killed by signal N; which limit (if any) sent it is read from the usage
  const signal = SIGNAL_NAMES[status - 256] ?? `SIG${status - 256}`;
  const killed = `killed by ${signal}`;
  const [reason, detail]: [TerminationReason, string] = overLimit(job.walltimeUsedS, job.walltimeLimitS)
    ? ['timeout', `${killed} at its walltime limit`]
    : overLimit(job.memUsedKb, job.memLimitKb)
      ? ['oom', `${killed} at its memory limit`]
      : signal === 'SIGTERM' || signal === 'SIGKILL'
        ? ['cancelled', `${killed}: deleted (qdel)`]
        : ['failed', killed];
  return ended(reason, `${detail} (Exit_status ${status})`, signal);
}

function overLimit(used: number | null, limit: number | null): boolean {
  return used !== null && limit !== null && limit > 0 && used >= limit;
}

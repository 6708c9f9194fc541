import { HsmError } from '../../domain/errors.js';

// PBS job ids as qsub prints them and qstat lists them: `1234.server` (a job), `1234[].server` (an
// array: PBS Pro and Torque), `1234[5].server` (one subjob). The server suffix is optional (front-ends
// print bare numbers) and may itself contain dots (`1234.pbs01.cluster.org`).

export interface PbsJobId {
  /** As printed: what qstat and qdel are given back. */
  id: string;
  /** The number before `[` or `.`. */
  sequence: string;
  /** `.server` part, without the dot; null when bare. */
  server: string | null;
  /** An array (`1234[]`), its subjob (`1234[5]`) or neither. */
  kind: 'job' | 'array' | 'subjob';
  /** Subjob index; null unless kind is `subjob`. */
  index: number | null;
}

const JOB_ID = /^(\d+)(?:\[(\d*)\])?(?:\.([A-Za-z0-9][A-Za-z0-9._-]*))?$/;

/** Parses one job id; null when the text is not one. */
export function parsePbsJobId(text: string): PbsJobId | null {
  const t = text.trim();
  const m = JOB_ID.exec(t);
  if (!m) return null;
  const [, sequence, bracket, server] = m;
  const kind = bracket === undefined ? 'job' : bracket === '' ? 'array' : 'subjob';
  return {
    id: t,
    sequence: sequence!,
    server: server ?? null,
    kind,
    index: kind === 'subjob' ? Number(bracket) : null,
  };
}

/** The job id in qsub's output (its last non-empty line; some sites print a banner first). */
export function parseQsubOutput(stdout: string): PbsJobId {
  const lines = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const parsed = lines.length ? parsePbsJobId(lines[lines.length - 1]!) : null;
  if (!parsed) {
    throw new HsmError('infra', 'qsub succeeded but printed no job id hsm recognises', {
      evidence: stdout.trim().slice(-500) || '(no output)',
      hint: 'check that `qsub` on this machine is PBS Pro/OpenPBS or Torque (it prints ids like 1234.server)',
    });
  }
  return parsed;
}

/** The id of subjob `index` of array `array` (`1234[].srv` -> `1234[7].srv`). */
export function subjobId(array: PbsJobId, index: number): string {
  return `${array.sequence}[${index}]${array.server ? `.${array.server}` : ''}`;
}

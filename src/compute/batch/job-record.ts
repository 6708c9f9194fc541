import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecordLine } from '../../process/task-records.js';

// `batch_job` in a task directory: which scheduler job runs (or was being submitted to run) an
// attempt, so that an hsm process started later (`hsm complete`, `hsm cancel`) finds the job of an
// attempt this one handed over. Written before the submit (token and array index: the job can be
// found by its comment if the answer is lost) and again once the job id is known.

export interface JobRecord {
  attempt: number;
  token: string;
  index: number;
  jobId: string | null;
}

export const JOB_RECORD_FILE = 'batch_job';

export function writeJobRecord(taskDir: string, r: JobRecord): void {
  const job = r.jobId === null ? '' : ` job=${r.jobId}`;
  writeFileSync(
    join(taskDir, JOB_RECORD_FILE),
    `attempt=${r.attempt} token=${r.token} index=${r.index}${job}\n`,
  );
}

/** The record of `attempt`, or null (none, incomplete, or of another attempt). */
export function readJobRecord(taskDir: string, attempt: number): JobRecord | null {
  let text: string;
  try {
    text = readFileSync(join(taskDir, JOB_RECORD_FILE), 'utf8');
  } catch {
    return null;
  }
  const f = parseRecordLine(text);
  if (!f || Number(f.get('attempt')) !== attempt) return null;
  const index = Number(f.get('index'));
  const token = f.get('token');
  if (!token || !Number.isInteger(index)) return null;
  return { attempt, token, index, jobId: f.get('job') ?? null };
}

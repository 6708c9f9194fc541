import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecordLine } from '../../process/task-records.js';

// Which scheduler job runs (or was being submitted to run) each attempt, so that an hsm process
// started later (`hsm complete`, `hsm cancel`) finds the jobs of the attempts this one handed over.
// One record per submission, beside its job script (`scripts/job_scripts/job_0001.submitted`), not
// one per task (a sweep of 1,000 tasks writes one file, not 2,000): written before the submit (the
// submission's token and each attempt's task and array index, so that a job whose submit answer
// was lost is found by its comment), and the job id appended once the scheduler answered.
//
//   token=<token>
//   <task> <attempt> <index>      (one line per attempt)
//   job=<job id>                  (appended after the submit)

export interface JobRecord {
  attempt: number;
  token: string;
  index: number;
  jobId: string | null;
}

const SUBMITTED = '.submitted';

export function writeSubmission(
  scriptPath: string,
  token: string,
  attempts: readonly { task: string; attempt: number; index: number }[],
): void {
  const lines = attempts.map((a) => `${a.task} ${a.attempt} ${a.index}\n`);
  writeFileSync(submissionFile(scriptPath), `token=${token}\n${lines.join('')}`);
}

export function recordSubmittedJob(scriptPath: string, jobId: string): void {
  appendFileSync(submissionFile(scriptPath), `job=${jobId}\n`);
}

/** Every attempt the sweep's submissions name, by `<task>:<attempt>`. */
export function readSubmissions(scriptsDir: string): Map<string, JobRecord> {
  const out = new Map<string, JobRecord>();
  let files: string[];
  try {
    files = readdirSync(scriptsDir).filter((f) => f.endsWith(SUBMITTED));
  } catch {
    return out; // nothing submitted yet
  }
  for (const f of files.sort()) {
    const lines = readFileSync(join(scriptsDir, f), 'utf8').split('\n');
    const token = /^token=(\S+)$/.exec(lines[0] ?? '')?.[1];
    if (!token) continue;
    // only a complete line (newline-terminated) names the job
    const job = lines.slice(0, -1).find((l) => l.startsWith('job='));
    const jobId = job && /^job=\d+$/.test(job) ? job.slice(4) : null;
    for (const l of lines.slice(1)) {
      const m = /^(\S+) (\d+) (\d+)$/.exec(l);
      if (m) out.set(`${m[1]}:${m[2]}`, { attempt: Number(m[2]), token, index: Number(m[3]), jobId });
    }
  }
  return out;
}

function submissionFile(scriptPath: string): string {
  return scriptPath.replace(/\.sh$/, '') + SUBMITTED;
}

/** The record an earlier hsm wrote into the task directory itself (`batch_job`), for sweeps begun
 * before submissions were recorded beside their job scripts; null when there is none. */
export function readLegacyJobRecord(taskDir: string, attempt: number): JobRecord | null {
  let text: string;
  try {
    text = readFileSync(join(taskDir, 'batch_job'), 'utf8');
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

// job_0001, job_0002...: in submission order, across hsm processes of the same sweep.
export function nextScriptName(dir: string): string {
  const used = readdirSync(dir)
    .map((f) => /^job_(\d+)\.sh$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
  return `job_${String((used.length ? Math.max(...used) : 0) + 1).padStart(4, '0')}`;
}

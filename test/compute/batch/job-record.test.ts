import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  readLegacyJobRecord,
  readSubmissions,
  recordSubmittedJob,
  writeSubmission,
} from '../../../src/compute/batch/job-record.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// Which job runs each attempt, as a later hsm process (`hsm complete`, `hsm cancel`) reads it: one
// record per submission beside its job script, the job id only once the scheduler answered.
describe('submission records', () => {
  it('name every attempt of a submission, its element and, once answered, its job', () => {
    const dir = makeTempDir('hsm-jobrec-');
    const script = join(dir, 'job_0001.sh');
    writeSubmission(script, 'tok1', [
      { task: 'task_001', attempt: 1, index: 0 },
      { task: 'task_002', attempt: 1, index: 0 },
      { task: 'task_003', attempt: 2, index: 1 },
    ]);
    // before the answer: found by token (the job id is not known)
    expect(readSubmissions(dir).get('task_003:2')).toEqual({
      attempt: 2,
      token: 'tok1',
      index: 1,
      jobId: null,
    });
    recordSubmittedJob(script, '4321');
    const all = readSubmissions(dir);
    expect(all.get('task_001:1')).toEqual({ attempt: 1, token: 'tok1', index: 0, jobId: '4321' });
    expect(all.get('task_003:1')).toBeUndefined();
    // one file for the whole submission
    expect(readdirSync(dir)).toEqual(['job_0001.submitted']);
  });

  it('take a job line cut short for no answer; an empty directory is no submission', () => {
    const dir = makeTempDir('hsm-jobrec-');
    writeSubmission(join(dir, 'job_0002.sh'), 'tok2', [{ task: 'task_009', attempt: 1, index: 0 }]);
    appendFileSync(join(dir, 'job_0002.submitted'), 'job=77');
    expect(readSubmissions(dir).get('task_009:1')?.jobId).toBeNull();
    expect(readSubmissions(join(dir, 'missing')).size).toBe(0);
  });

  it('reads the record an earlier hsm wrote into the task directory', () => {
    const dir = makeTempDir('hsm-jobrec-');
    writeFileSync(join(dir, 'batch_job'), 'attempt=2 token=abc index=3 job=99\n');
    expect(readLegacyJobRecord(dir, 2)).toEqual({ attempt: 2, token: 'abc', index: 3, jobId: '99' });
    expect(readLegacyJobRecord(dir, 1)).toBeNull();
  });
});

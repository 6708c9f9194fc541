import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readExitRecord, readStartedRecord } from '../../src/process/task-records.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('runner records', () => {
  const dir = makeTempDir('hsm-rec-');
  it('accepts a complete record of the awaited attempt only', () => {
    const p = join(dir, 'exit');
    writeFileSync(p, 'attempt=2 exit=0\n');
    expect(readExitRecord(p, 2)).toMatchObject({ attempt: 2, exit: 0 });
    expect(readExitRecord(p, 1)).toBeNull(); // stale record of another attempt
    writeFileSync(p, 'attempt=2 exit=1'); // being written: no newline yet
    expect(readExitRecord(p, 2)).toBeNull();
    expect(readExitRecord(join(dir, 'missing'), 1)).toBeNull();
  });
  it('reads the pid and host of a started record, with its mtime as the start time', () => {
    const p = join(dir, 'started');
    writeFileSync(p, 'attempt=1 pid=4242 host=node7\n');
    const r = readStartedRecord(p, 1)!;
    expect(r).toMatchObject({ pid: 4242, host: 'node7' });
    expect(Math.abs(r.at - Date.now())).toBeLessThan(60_000);
  });
});

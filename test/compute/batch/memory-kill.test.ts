import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryKillInOutput } from '../../../src/compute/batch/memory-kill.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// A SIGKILL that accounting does not call OUT_OF_MEMORY: the job's own output decides (recorded
// slurmstepd lines of a polling cluster and of a cgroup one).
const dir = makeTempDir('hsm-memory-kill-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const output = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('a memory kill in a job output', () => {
  it('is found in slurmstepd lines of polling and cgroup enforcement', () => {
    expect(
      memoryKillInOutput(
        output(
          'poll.out',
          'epoch 1\nslurmstepd: error: Job 812 exceeded memory limit (2048000 > 1024000), being killed\nslurmstepd: error: Exceeded job memory limit\n',
        ),
      ),
    ).toBe('killed');
    expect(
      memoryKillInOutput(
        output(
          'cg.out',
          'slurmstepd: error: Detected 1 oom-kill event(s) in StepId=81235.batch. Some of your processes may have been killed by the cgroup out-of-memory handler.\n',
        ),
      ),
    ).toBe('killed');
  });

  it('is not claimed for other output, and is unknown without the file', () => {
    expect(memoryKillInOutput(output('plain.out', 'epoch 1\nKilled\n'))).toBe('not killed');
    expect(memoryKillInOutput(join(dir, 'missing.out'))).toBeNull();
  });
});

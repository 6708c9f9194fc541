import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Directories a test file makes under the system's temporary directory, removed when the file ends
// (test/helpers/temp-dir.setup.ts, a setup file of every test file): a suite run used to leave
// thousands behind. Shared state that outlives a file (the Slurm test lock) is not made here.

const made: string[] = [];

/** A new empty directory under tmpdir() named PREFIX + random, removed after this test file. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes what makeTempDir made in this file (what cannot be removed, a mount point left, stays). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      /* busy (a file system still mounted there): left for the machine's own cleaning */
    }
  }
}

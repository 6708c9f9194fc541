import { createInterface } from 'node:readline';
import { SweepPaths } from '../../src/state/sweep-paths.js';
import { SweepLock } from '../../src/state/sweep-lock.js';

// A process that contends for a sweep's lock on command, for the lock's concurrency test: reads
// `try` / `release` lines on stdin and answers `got`, `locked` or `released` on stdout.
const paths = new SweepPaths(process.argv[2]!);
let held: SweepLock | null = null;
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'try') {
    try {
      held = SweepLock.acquire(paths, 'contended');
      process.stdout.write('got\n');
    } catch (err) {
      const code = (err as { code?: string }).code;
      process.stdout.write(code === 'locked' ? 'locked\n' : `error ${(err as Error).message}\n`);
    }
  } else if (line === 'release') {
    held?.release();
    held = null;
    process.stdout.write('released\n');
  }
}

import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

// Writes a file so that readers see the old or the new content, never half of it: write a temp
// file beside it, then rename over. `durable` also fsyncs (used for records hsm acts upon).
export function writeFileAtomic(path: string, content: string, durable = false): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    try {
      writeSync(fd, content);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true }); // a half-written temp file must not hold space (disk full)
    throw err;
  }
}

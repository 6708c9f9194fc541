import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

// Writes a file so that readers see the old or the new content, never half of it: write a temp
// file beside it, then rename over. `durable` also fsyncs (used for records hsm acts upon). Content
// may come in pieces (pages of a large file), written as they come: the one atomic write of hsm.
export function writeFileAtomic(path: string, content: string | Iterable<string>, durable = false): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    try {
      if (typeof content === 'string') writeSync(fd, content);
      else for (const piece of content) writeSync(fd, piece);
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

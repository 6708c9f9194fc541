import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

// The identity of a source's setup: its commands and the content of every project file they name
// (`pip install -r requirements.txt` names requirements.txt). Changing either runs it again.
export function setupHash(commands: readonly string[], projectRoot: string): string {
  const h = createHash('sha256');
  for (const c of commands) h.update(`cmd\0${c}\0`);
  const words = new Set(commands.flatMap((c) => c.split(/[\s'"=]+/)).filter((w) => w && !isAbsolute(w)));
  for (const w of [...words].sort()) {
    const path = join(projectRoot, w);
    try {
      if (statSync(path).isFile()) h.update(`file\0${w}\0`).update(readFileSync(path));
    } catch {
      /* not a file of the project */
    }
  }
  return h.digest('hex').slice(0, 16);
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../process/run-command.js';

// The commit HEAD names in `root` ('' without one), read from .git's files: a `git rev-parse` is a
// process start, which costs more than the rest of a small push's comparison on a busy machine.
// Anything unusual (a .git file of a worktree, a symbolic ref to another symbolic ref) asks git.
export async function readHeadCommit(root: string): Promise<string> {
  const git = join(root, '.git');
  const sha = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
  try {
    const head = (await readFile(join(git, 'HEAD'), 'utf8')).trim();
    if (sha.test(head)) return head;
    const ref = /^ref: (refs\/\S+)$/.exec(head)?.[1];
    if (ref) {
      const loose = await readFile(join(git, ref), 'utf8').then(
        (t) => t.trim(),
        () => null,
      );
      if (loose !== null && sha.test(loose)) return loose;
      if (loose === null) {
        const packed = await readFile(join(git, 'packed-refs'), 'utf8').catch(() => '');
        const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
        if (line) return line.slice(0, line.indexOf(' '));
        return ''; // a branch without commits yet
      }
    }
  } catch {
    /* not a plain .git directory: ask git */
  }
  const r = await runCommand(['git', 'rev-parse', '-q', '--verify', 'HEAD^{commit}'], { cwd: root });
  return r.exitCode === 0 ? r.stdout.trim() : '';
}

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { runCommand } from '../process/run-command.js';

// The project's git commit and whether the work tree differs from it, recorded with every sweep so a
// result can be traced to the code that produced it. Not a git repository: null.
export interface GitInfo {
  commit: string;
  dirty: boolean;
  dirtyFiles: string[];
}

export async function readGitInfo(projectRoot: string): Promise<GitInfo | null> {
  if (!mayBeInRepository(projectRoot)) return null;
  const head = await runCommand(['git', 'rev-parse', 'HEAD'], { cwd: projectRoot });
  if (head.exitCode !== 0) return null;
  const status = await runCommand(['git', 'status', '--porcelain', '--untracked-files=no'], {
    cwd: projectRoot,
  });
  const dirtyFiles = status.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.slice(3));
  return { commit: head.stdout.trim(), dirty: dirtyFiles.length > 0, dirtyFiles };
}

// Whether git could find a repository for `dir`: a `.git` (directory or file) or a bare repository
// (HEAD, objects/, refs/) in it or above it, or one named by the environment. When there is none,
// git is not started to say so: a process costs ~10 ms in the serial start of `hsm run`. Whenever
// one may be there, git decides (it also stops at file system boundaries, which this does not).
function mayBeInRepository(dir: string): boolean {
  if (process.env.GIT_DIR !== undefined || process.env.GIT_WORK_TREE !== undefined) return true;
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return true;
    if (['HEAD', 'objects', 'refs'].every((f) => existsSync(join(d, f)))) return true;
    if (dirname(d) === d) return false;
  }
}

// Whether HEAD is on the branch's upstream (pushed): null when the branch has no upstream.
export async function isHeadPushed(
  projectRoot: string,
): Promise<{ pushed: boolean | null; upstream: string | null }> {
  const up = await runCommand(['git', 'rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{u}'], {
    cwd: projectRoot,
  });
  if (up.exitCode !== 0) return { pushed: null, upstream: null };
  const ahead = await runCommand(['git', 'rev-list', '--count', '@{u}..HEAD'], { cwd: projectRoot });
  return { pushed: ahead.exitCode === 0 && ahead.stdout.trim() === '0', upstream: up.stdout.trim() };
}

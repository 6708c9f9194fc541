import { chmodSync, mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readGitInfo } from '../../src/state/git-info.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// The git commit recorded with a sweep. Where no repository can hold the project, git is not started
// at all (a process in the serial start of `hsm run`); wherever one may be, git itself answers.
// A `git` placed first on PATH records each time it is started and answers as a repository would.
function fakeGit(): { log: string; restore: () => void } {
  const bin = makeTempDir('hsm-fake-git-');
  const log = join(bin, 'calls');
  writeFileSync(
    join(bin, 'git'),
    `#!/bin/sh\necho "$*" >> ${log}\ncase "$1" in rev-parse) echo 0123456789abcdef ;; esac\nexit 0\n`,
  );
  chmodSync(join(bin, 'git'), 0o755);
  const path = process.env.PATH;
  const gitDir = process.env.GIT_DIR;
  process.env.PATH = `${bin}:${path}`;
  return {
    log,
    restore: () => {
      process.env.PATH = path;
      if (gitDir === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = gitDir;
    },
  };
}

describe('readGitInfo', () => {
  let restore = () => {};
  afterEach(() => restore());

  it('starts no git for a project no repository can hold, and records none', async () => {
    const git = fakeGit();
    restore = git.restore;
    delete process.env.GIT_DIR;
    const project = join(makeTempDir('hsm-no-repo-'), 'a', 'b');
    mkdirSync(project, { recursive: true });
    expect(await readGitInfo(project)).toBeNull();
    expect(existsSync(git.log)).toBe(false);
  });

  it.each([
    ['a .git directory above the project', (root: string) => mkdirSync(join(root, '.git'))],
    [
      'a .git file (a worktree, a submodule)',
      (root: string) => writeFileSync(join(root, '.git'), 'gitdir: x\n'),
    ],
    [
      'a bare repository',
      (root: string) => {
        writeFileSync(join(root, 'HEAD'), 'ref: refs/heads/main\n');
        mkdirSync(join(root, 'objects'));
        mkdirSync(join(root, 'refs'));
      },
    ],
    ['GIT_DIR in the environment', () => (process.env.GIT_DIR = '/elsewhere/.git')],
  ])('asks git where there may be a repository: %s', async (_what, make) => {
    const git = fakeGit();
    restore = git.restore;
    delete process.env.GIT_DIR;
    const root = makeTempDir('hsm-repo-');
    const project = join(root, 'project');
    mkdirSync(project);
    make(root);
    expect(await readGitInfo(project)).toEqual({ commit: '0123456789abcdef', dirty: false, dirtyFiles: [] });
    expect(readFileSync(git.log, 'utf8')).toMatch(/^rev-parse HEAD\nstatus /);
  });
});

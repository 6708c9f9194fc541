import { execFileSync } from 'node:child_process';
import {
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareChecksums, compareGit, type GitComparison } from '../../src/sync/compare.js';
import { isConfigFile } from '../../src/sync/config-files.js';
import { readHeadCommit } from '../../src/sync/git-head.js';
import { localProbeArgv, parseProbeOutput } from '../../src/sync/probe-script.js';
import { buildRsyncArgv, rsyncShellCommand } from '../../src/sync/rsync-argv.js';
import { parseItemLine, parseProgressLine } from '../../src/sync/rsync-run.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const m = (o: Record<string, string>) => new Map(Object.entries(o));
const git = (over: Partial<GitComparison>): GitComparison => ({
  local: { head: 'A', dirty: m({}) },
  remote: { head: 'A', dirty: m({}) },
  remoteHeadInLocal: false,
  localCommitChanges: m({}),
  localHeadInRemote: false,
  remoteCommitChanges: m({}),
  ...over,
});

describe('git verdict', () => {
  it('same commit, same dirty contents on both sides: in sync', () => {
    const dirty = m({ 'train.py': 'b1', 'new.txt': 'b2', 'gone.py': 'deleted' });
    const c = compareGit(git({ local: { head: 'A', dirty }, remote: { head: 'A', dirty: new Map(dirty) } }));
    expect(c.verdict).toBe('in_sync');
    expect([...c.files!]).toEqual([]);
  });

  it('local edits only: local newer, naming the files', () => {
    const c = compareGit(git({ local: { head: 'A', dirty: m({ 'a.py': 'x', 'b.py': 'deleted' }) } }));
    expect(c.verdict).toBe('local_newer');
    expect(Object.fromEntries(c.files!)).toEqual({ 'a.py': 'local', 'b.py': 'local' });
  });

  it('an edit on each side: diverged; the same file edited differently: both', () => {
    const c = compareGit(
      git({
        local: { head: 'A', dirty: m({ 'a.py': 'x', 'c.py': 'l' }) },
        remote: { head: 'A', dirty: m({ 'b.py': 'y', 'c.py': 'r' }) },
      }),
    );
    expect(c.verdict).toBe('diverged');
    expect(Object.fromEntries(c.files!)).toEqual({ 'a.py': 'local', 'b.py': 'remote', 'c.py': 'both' });
  });

  it('newer local commits: local newer; a remote edit on top makes it diverged', () => {
    const base = { local: { head: 'B', dirty: m({}) }, remote: { head: 'A', dirty: m({}) } };
    const newer = git({ ...base, remoteHeadInLocal: true, localCommitChanges: m({ 'a.py': 'x' }) });
    expect(compareGit(newer).verdict).toBe('local_newer');
    const edited = git({
      ...base,
      remote: { head: 'A', dirty: m({ 'notes.txt': 'n' }) },
      remoteHeadInLocal: true,
      localCommitChanges: m({ 'a.py': 'x' }),
    });
    expect(compareGit(edited).verdict).toBe('diverged');
  });

  it('a remote edit that local committed (same content) is no difference', () => {
    const c = compareGit(
      git({
        local: { head: 'B', dirty: m({}) },
        remote: { head: 'A', dirty: m({ 'a.py': 'x' }) },
        localHeadInRemote: false,
        remoteHeadInLocal: true,
        localCommitChanges: m({ 'a.py': 'x' }),
      }),
    );
    expect(c.verdict).toBe('local_newer'); // local has the commit, the content is the same
    expect([...c.files!]).toEqual([]);
  });

  it('newer remote commits: remote newer; unrelated histories: diverged without a file list', () => {
    const r = compareGit(
      git({
        remote: { head: 'C', dirty: m({}) },
        localHeadInRemote: true,
        remoteCommitChanges: m({ 'x.py': 'q' }),
      }),
    );
    expect(r.verdict).toBe('remote_newer');
    expect(Object.fromEntries(r.files!)).toEqual({ 'x.py': 'remote' });
    expect(compareGit(git({ remote: { head: 'Z', dirty: m({}) } }))).toEqual({
      verdict: 'diverged',
      files: null,
    });
  });
});

describe('git verdict with the state of the last push (base)', () => {
  const base = { head: 'A', dirty: m({ 'a.py': 'pushed' }) };
  it('more local edits to a pushed uncommitted file: local newer (the host only has what was pushed)', () => {
    const c = compareGit(
      git({
        local: { head: 'A', dirty: m({ 'a.py': 'later' }) },
        remote: { head: 'A', dirty: m({ 'a.py': 'pushed' }) },
        base,
      }),
    );
    expect(c.verdict).toBe('local_newer');
    // without the base the same sides look diverged: each has its own edit of a.py
    expect(
      compareGit(
        git({
          local: { head: 'A', dirty: m({ 'a.py': 'later' }) },
          remote: { head: 'A', dirty: m({ 'a.py': 'pushed' }) },
        }),
      ).verdict,
    ).toBe('diverged');
  });

  it('an edit on the host after the push: remote newer; the host reverting the file counts too', () => {
    const edited = compareGit(
      git({
        local: { head: 'A', dirty: m({ 'a.py': 'pushed' }) },
        remote: { head: 'A', dirty: m({ 'a.py': 'host' }) },
        base,
      }),
    );
    expect(edited.verdict).toBe('remote_newer');
    const reverted = compareGit(
      git({
        local: { head: 'A', dirty: m({ 'a.py': 'pushed' }) },
        remote: { head: 'A', dirty: m({}) },
        base,
      }),
    );
    expect(Object.fromEntries(reverted.files!)).toEqual({ 'a.py': 'remote' });
    const both = compareGit(
      git({
        local: { head: 'A', dirty: m({ 'a.py': 'later' }) },
        remote: { head: 'A', dirty: m({ 'a.py': 'host' }) },
        base,
      }),
    );
    expect(both.verdict).toBe('diverged');
  });

  it('a base of another commit is not used for that side', () => {
    const c = compareGit(
      git({
        local: { head: 'B', dirty: m({}) },
        remote: { head: 'A', dirty: m({ 'a.py': 'pushed' }) },
        remoteHeadInLocal: true,
        localCommitChanges: m({ 'a.py': 'committed' }),
        base,
      }),
    );
    expect(c.verdict).toBe('local_newer'); // the host's a.py is what was pushed; local committed a newer one
  });
});

describe('checksum verdict (no git)', () => {
  it('uses presence and modification times', () => {
    const t1 = '2026/01/01-10:00:00';
    const t2 = '2026/01/02-10:00:00';
    expect(compareChecksums([]).verdict).toBe('in_sync');
    expect(
      compareChecksums([
        { path: 'a', localTime: t2, remoteTime: t1 },
        { path: 'b', localTime: t1, remoteTime: null },
      ]).verdict,
    ).toBe('local_newer');
    expect(
      compareChecksums([
        { path: 'a', localTime: t1, remoteTime: t2 },
        { path: 'c', localTime: null, remoteTime: t1 },
      ]).verdict,
    ).toBe('remote_newer');
    const d = compareChecksums([
      { path: 'a', localTime: t2, remoteTime: t1 },
      { path: 'c', localTime: null, remoteTime: t1 },
    ]);
    expect(d.verdict).toBe('diverged');
    expect(compareChecksums([{ path: 'a', localTime: t1, remoteTime: t1 }]).files!.get('a')).toBe('both');
  });
});

describe('config files', () => {
  it('calls out hsm_config.yaml, sweep files and environment files', () => {
    for (const p of [
      'hsm_config.yaml',
      'sweeps/sweep.yaml',
      'sweeps/lr.yml',
      'requirements.txt',
      'env/requirements-dev.txt',
      'environment.yml',
      'pyproject.toml',
    ])
      expect(isConfigFile(p, 'sweeps'), p).toBe(true);
    for (const p of ['train.py', 'conf/model.yaml', 'sweeps/notes.md', 'README.md'])
      expect(isConfigFile(p, 'sweeps'), p).toBe(false);
  });
});

describe('rsync argv and output', () => {
  const plan = {
    endpoint: {
      destination: 'gpubox',
      client: { configFile: '/my cfg', options: ['IdentityFile=/k/My Key'], controlPath: '/cm/%C' },
    },
    workdir: 'hsm/my proj',
    rsyncPath: '/opt/bin/rsync',
    protectedPaths: ['/sweeps/outputs/', '/.hsm/'],
    excludes: ['data/'],
  };

  it('rides ssh with hsm options (BatchMode, ControlMaster), keeps .git whole, honours .gitignore', () => {
    const argv = buildRsyncArgv(plan, { direction: 'push', dryRun: false });
    const e = argv[argv.indexOf('-e') + 1]!;
    expect(e).toContain("'/my cfg'");
    expect(e).toContain("'IdentityFile=/k/My Key'");
    expect(e).toContain('BatchMode=yes');
    expect(e).toContain('ControlMaster=auto');
    expect(e).toContain('ControlPath=/cm/%C');
    expect(argv).toContain('--rsync-path=/opt/bin/rsync');
    const filters = argv.filter(
      (a) => a.startsWith('--exclude') || a.startsWith('--include') || a.startsWith('--filter'),
    );
    expect(filters).toEqual([
      '--exclude=/sweeps/outputs/',
      '--exclude=/.hsm/',
      '--include=/.git/***',
      '--exclude=data/',
      '--filter=:- .gitignore',
    ]);
    expect(argv.slice(-2)).toEqual(['./', 'gpubox:hsm/my proj/']);
    expect(buildRsyncArgv(plan, { direction: 'pull', dryRun: true, withoutGit: true }).slice(-2)).toEqual([
      'gpubox:hsm/my proj/',
      './',
    ]);
  });

  it('writes the record of the push on the host through the rsync command itself', () => {
    const argv = buildRsyncArgv(plan, {
      direction: 'push',
      dryRun: false,
      afterwards: { file: '.hsm/sync-base', content: `{"it's":"$(x)"}` },
    });
    const rp = argv.find((a) => a.startsWith('--rsync-path='))!.slice('--rsync-path='.length);
    // the remote login shell runs `<rsync-path> --server ...`: try it here with a stand-in rsync
    const dir = makeTempDir('hsm-rp-');
    const cmd = rp.replace("'hsm/my proj'", `'${dir}'`).replace('/opt/bin/rsync', 'echo');
    expect(execFileSync('sh', ['-c', `${cmd} --server x`], { encoding: 'utf8' })).toBe('--server x\n');
    expect(readFileSync(join(dir, '.hsm/sync-base'), 'utf8')).toBe(`{"it's":"$(x)"}\n`);
    const dir2 = makeTempDir('hsm-rp-');
    const failing = rp.replace("'hsm/my proj'", `'${dir2}'`).replace('/opt/bin/rsync', 'false');
    expect(() => execFileSync('sh', ['-c', failing])).toThrow(); // rsync's failure is kept, nothing written
    expect(existsSync(join(dir2, '.hsm'))).toBe(false);
    rmSync(dir2, { recursive: true });
    rmSync(dir, { recursive: true });
  });

  it('quotes -e words the way rsync splits them (doubled quotes)', () => {
    expect(rsyncShellCommand(['ssh', '-o', "User=o'brien", 'plain'])).toBe("ssh -o 'User=o''brien' plain");
  });

  it('parses item, deletion and progress lines, decoding escaped names', () => {
    expect(parseItemLine('<f.st......\t2026/12/01-14:13:30\tsrc/a b.py')).toEqual({
      action: 'send',
      path: 'src/a b.py',
      mtime: '2026/12/01-14:13:30',
      directory: false,
      data: true,
    });
    expect(parseItemLine('*deleting  \t1970/01/01-00:00:00\told/')).toMatchObject({
      action: 'delete',
      path: 'old',
      directory: true,
    });
    expect(parseItemLine('.f..t......\t2026/12/01-14:13:30\tx')!.data).toBe(false);
    expect(parseItemLine('>f+++++++++\t2026/12/01-14:13:30\tnl\\#012x')!.path).toBe('nl\nx');
    expect(parseItemLine('Number of files: 3')).toBeNull();
    expect(parseProgressLine('      1,234,567  45%   12.34MB/s    0:00:01 (xfr#3, to-chk=0/2004)')).toEqual({
      bytes: 1234567,
      percent: 45,
      rate: '12.34MB/s',
      eta: '0:00:01',
    });
  });
});

describe('probe (run here on real git repositories)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const probe = (dir: string, ancestor = '') => {
    const argv = localProbeArgv({
      dir,
      rsyncProgram: 'rsync',
      ancestor,
      exclude: 'sweeps/outputs',
      patterns: [],
    });
    return parseProbeOutput(execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' }));
  };
  const sh = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], {
      cwd,
      encoding: 'utf8',
    }).trim();

  it('reports HEAD, dirty files with blob ids (outputs left out) and never writes the repository', () => {
    const dir = makeTempDir('hsm-probe-');
    dirs.push(dir);
    sh(dir, 'init', '-q');
    writeFileSync(join(dir, 'a.py'), 'one\n');
    writeFileSync(join(dir, 'gone.py'), 'x\n');
    writeFileSync(join(dir, '.gitignore'), '*.log\n');
    sh(dir, 'add', '.');
    sh(dir, 'commit', '-qm', 'one');
    const head = sh(dir, 'rev-parse', 'HEAD');
    writeFileSync(join(dir, 'a.py'), 'two\n');
    writeFileSync(join(dir, 'new file.txt'), "it's new\n");
    writeFileSync(join(dir, 'x.log'), 'ignored\n');
    rmSync(join(dir, 'gone.py'));
    mkdirSync(join(dir, 'sweeps/outputs'), { recursive: true });
    writeFileSync(join(dir, 'sweeps/outputs/out.txt'), 'result\n');
    const objects = () =>
      readdirSync(join(dir, '.git/objects'), { recursive: true })
        .map(String)
        .filter((f) => /^[0-9a-f]{2}\/[0-9a-f]{38}$/.test(f))
        .map((f) => `${f} ${statSync(join(dir, '.git/objects', f)).mtimeMs}`)
        .sort();
    // make every file racy (mtime = the index's): git re-hashes them, and must not touch the
    // repository's objects (not even their mtimes, which rsync would see as changes)
    const now = new Date();
    for (const f of ['.git/index', 'a.py', 'new file.txt', 'x.log', '.gitignore'])
      utimesSync(join(dir, f), now, now);
    const objectsBefore = objects();
    expect(objectsBefore.length).toBe(5);
    const p = probe(dir);
    expect(p).toMatchObject({ rsync: true, exists: 'yes', git: true, head, empty: false, error: null });
    expect(Object.fromEntries(p.dirty)).toEqual({
      'a.py': sh(dir, 'hash-object', 'a.py'),
      'new file.txt': sh(dir, 'hash-object', 'new file.txt'),
      'gone.py': 'deleted',
    });
    expect(objects()).toEqual(objectsBefore);
    expect(sh(dir, 'status', '--porcelain')).toContain('?? "new file.txt"'); // the real index untouched

    sh(dir, 'add', '-A');
    sh(dir, 'commit', '-qm', 'two');
    const q = probe(dir, head);
    expect(q.containsAsked).toBe(true);
    expect([...q.commitChanges.keys()].sort()).toEqual(['a.py', 'gone.py', 'new file.txt']);
    expect(q.commitChanges.get('gone.py')).toBe('deleted');
    expect(probe(dir, '0123456789012345678901234567890123456789').containsAsked).toBe(false);
  });

  it('reports a missing directory and a directory without git', () => {
    expect(probe('/nonexistent/hsm-probe').exists).toBe('no');
    const dir = makeTempDir('hsm-probe-');
    dirs.push(dir);
    expect(probe(dir)).toMatchObject({ exists: 'yes', empty: true, git: false });
  });
});

describe('readHeadCommit (HEAD from .git files, git as the fallback)', () => {
  it('reads loose and packed branches, a detached HEAD, and a branch without commits', async () => {
    const dir = makeTempDir('hsm-head-');
    const g = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], {
        cwd: dir,
        encoding: 'utf8',
      }).trim();
    g('init', '-q');
    expect(await readHeadCommit(dir)).toBe('');
    writeFileSync(join(dir, 'a'), 'a');
    g('add', '.');
    g('commit', '-qm', 'a');
    const sha = g('rev-parse', 'HEAD');
    expect(await readHeadCommit(dir)).toBe(sha);
    g('pack-refs', '--all');
    expect(await readHeadCommit(dir)).toBe(sha);
    g('checkout', '-q', '--detach');
    expect(await readHeadCommit(dir)).toBe(sha);
    expect(await readHeadCommit(tmpdir())).toBe(''); // no repository at all
    rmSync(dir, { recursive: true, force: true });
  });
});

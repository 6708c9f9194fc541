import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm } from '../helpers/cli.js';
import { NO_INFRA, sshInfra } from '../remote/test-infra.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// `hsm sync` against the real sshd host node20 of scripts/infra/up.sh (node19, the other host of
// this area, is killed by the ssh source's host-death test, which may run at the same time), with the real
// rsync and git on both sides. Each test has its own project and its own workdir on the host.
const HOST = 'node20';

describe.skipIf(NO_INFRA)('hsm sync on real sshd hosts', () => {
  const infra = NO_INFRA ? null! : sshInfra();
  const run = `hsm-sync-test/${process.pid}-${Date.now()}`;
  const dirs: string[] = [];
  beforeAll(() => ensureBuilt());
  afterAll(() => {
    for (const host of ['node20']) {
      try {
        remote(host, `rm -rf ${run}`);
      } catch {
        /* a host stopped by a failure test of the ssh source; nothing of ours to keep */
      }
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function remote(host: string, command: string): string {
    return execFileSync('ssh', ['-F', infra.configFile, host, command], { encoding: 'utf8' });
  }
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], {
      cwd,
      encoding: 'utf8',
    }).trim();

  // A git project with a sweep file, requirements, an ignored file and a sweep output.
  function project(opts: { git?: boolean; host?: string; workdir?: string; extra?: string } = {}) {
    const dir = makeTempDir('hsm-sync-');
    dirs.push(dir);
    const workdir = opts.workdir ?? `~/${run}/${dir.split('/').pop()}`;
    writeFileSync(
      join(dir, 'hsm_config.yaml'),
      `sources:\n  box:\n    type: ssh\n    host: ${opts.host ?? HOST}\n    workdir: ${JSON.stringify(workdir)}\n${opts.extra ?? ''}`,
    );
    mkdirSync(join(dir, 'sweeps/outputs/old_sweep'), { recursive: true });
    mkdirSync(join(dir, 'training'));
    writeFileSync(
      join(dir, 'sweeps/sweep.yaml'),
      'command: python training/train.py\nsweep:\n  lr: [1, 2]\n',
    );
    writeFileSync(join(dir, 'sweeps/outputs/old_sweep/result.txt'), 'local result\n');
    writeFileSync(join(dir, 'training/train.py'), 'print("hi")\n');
    writeFileSync(join(dir, 'requirements.txt'), 'numpy\n');
    writeFileSync(join(dir, '.gitignore'), '*.log\n__pycache__/\n');
    writeFileSync(join(dir, 'debug.log'), 'ignored\n');
    if (opts.git !== false) {
      git(dir, 'init', '-q');
      git(dir, 'add', '.');
      git(dir, 'commit', '-qm', 'first');
    }
    const sync = (...args: string[]) => hsm(['sync', ...args, 'box', '--ssh-config', infra.configFile], dir);
    const check = () => {
      const r = sync('check', '--json');
      expect(r.stderr).toBe('');
      return { code: r.code, report: JSON.parse(r.stdout) };
    };
    const remotePath = workdir.replace(/^~\//, '');
    return { dir, sync, check, remotePath, host: opts.host ?? HOST };
  }

  it('pushes a new project (dry run lists every file), then finds both sides in sync', () => {
    const p = project();
    const first = p.check();
    expect(first.code).toBe(1);
    expect(first.report).toMatchObject({ verdict: 'local_newer', remote_missing: true, mode: 'git' });

    const dry = p.sync('push', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    const paths = (JSON.parse(dry.stdout).items as { path: string }[]).map((i) => i.path);
    for (const f of [
      'hsm_config.yaml',
      'sweeps/sweep.yaml',
      'training/train.py',
      'requirements.txt',
      '.gitignore',
      '.git/HEAD',
    ])
      expect(paths).toContain(f);
    expect(paths).not.toContain('debug.log'); // .gitignore'd
    expect(paths.some((f) => f.startsWith('sweeps/outputs'))).toBe(false); // sweep outputs never move
    expect(remote(p.host, `test -e ${p.remotePath} && echo exists || echo absent`)).toBe('absent\n');

    const push = p.sync('push');
    expect(push.code).toBe(0);
    expect(push.stdout).toMatch(/^box: sent 5 files and deleted 0 in node20:.*, \d+ under \.git\/ \(/m);
    const after = p.check();
    expect(after.code).toBe(0);
    expect(after.report).toMatchObject({ verdict: 'in_sync', files: [] });
    expect(after.report.remote.commit).toBe(git(p.dir, 'rev-parse', 'HEAD'));
    expect(
      remote(
        p.host,
        `cd ${p.remotePath} && cat training/train.py && ls debug.log sweeps/outputs 2>&1 | wc -l`,
      ),
    ).toBe('print("hi")\n2\n');
    const human = p.sync('check');
    expect(human.stdout).toMatch(/box \(node20:.*\): in sync/);
  });

  it('local edits: local newer with the files (config called out); push moves just them', () => {
    const p = project();
    expect(p.sync('push').code).toBe(0);
    writeFileSync(join(p.dir, 'training/train.py'), 'print("v2")\n');
    writeFileSync(join(p.dir, 'sweeps/sweep.yaml'), 'command: python training/train.py\nsweep:\n  lr: [3]\n');
    writeFileSync(join(p.dir, 'training/new_model.py'), 'x = 1\n');
    const c = p.check();
    expect(c.code).toBe(1);
    expect(c.report.verdict).toBe('local_newer');
    expect(c.report.files).toEqual([
      { path: 'sweeps/sweep.yaml', side: 'local', config: true },
      { path: 'training/new_model.py', side: 'local', config: false },
      { path: 'training/train.py', side: 'local', config: false },
    ]);
    expect(c.report.config_files).toEqual(['sweeps/sweep.yaml']);
    expect(p.sync('check').stdout).toContain('configuration differs: sweeps/sweep.yaml');

    const push = p.sync('push', '--json');
    expect(push.code).toBe(0);
    const moved = JSON.parse(push.stdout)
      .items.map((i: { path: string }) => i.path)
      .sort();
    expect(moved).toEqual(['sweeps/sweep.yaml', 'training/new_model.py', 'training/train.py']);
    expect(p.check().report.verdict).toBe('in_sync');
    expect(remote(p.host, `cat ${p.remotePath}/training/train.py`)).toBe('print("v2")\n');

    // edited again, still uncommitted: the host has only what was pushed, so local is newer
    writeFileSync(join(p.dir, 'training/train.py'), 'print("v3")\n');
    expect(p.check().report).toMatchObject({
      verdict: 'local_newer',
      files: [{ path: 'training/train.py', side: 'local' }],
    });
    expect(p.sync('push').code).toBe(0);
    expect(remote(p.host, `cat ${p.remotePath}/training/train.py`)).toBe('print("v3")\n');
    // ...and an edit on the host after that push is the host's own
    remote(p.host, `echo '# host' >> ${p.remotePath}/training/train.py`);
    expect(p.check().report).toMatchObject({
      verdict: 'remote_newer',
      files: [{ path: 'training/train.py', side: 'remote' }],
    });
  });

  it('remote edits: remote newer, a push is refused (exit 2), a pull brings them; remote outputs are kept', () => {
    const p = project();
    expect(p.sync('push').code).toBe(0);
    remote(
      p.host,
      `cd ${p.remotePath} && echo 'remote fix' >> training/train.py && mkdir -p sweeps/outputs/s1 && echo r > sweeps/outputs/s1/out`,
    );
    const c = p.check();
    expect(c.report).toMatchObject({
      verdict: 'remote_newer',
      files: [{ path: 'training/train.py', side: 'remote', config: false }],
    });

    const refused = p.sync('push');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /Not pushing to host node20 \(source box\): its copy has changes of its own/,
    );
    expect(refused.stderr).toContain('training/train.py');
    expect(refused.stderr).toMatch(/hint: .*hsm sync pull box/);

    const pull = p.sync('pull');
    expect(pull.code).toBe(0);
    expect(readFileSync(join(p.dir, 'training/train.py'), 'utf8')).toBe('print("hi")\nremote fix\n');
    expect(existsSync(join(p.dir, 'sweeps/outputs/s1'))).toBe(false); // outputs are not project files
    expect(existsSync(join(p.dir, 'sweeps/outputs/old_sweep/result.txt'))).toBe(true);
    expect(p.check().report.verdict).toBe('in_sync');
    expect(remote(p.host, `cat ${p.remotePath}/sweeps/outputs/s1/out`)).toBe('r\n');
  });

  it('new commits on the host come back as commits (fetch + fast-forward)', () => {
    const p = project();
    expect(p.sync('push').code).toBe(0);
    remote(
      p.host,
      `cd ${p.remotePath} && echo 'y = 2' > training/extra.py && git add -A && git -c user.email=r@r -c user.name=r commit -qm 'on the host' && git rev-parse HEAD`,
    );
    const remoteHead = p.check().report.remote.commit;
    expect(p.check().report).toMatchObject({
      verdict: 'remote_newer',
      files: [{ path: 'training/extra.py', side: 'remote' }],
    });
    expect(p.sync('pull').code).toBe(0);
    expect(git(p.dir, 'rev-parse', 'HEAD')).toBe(remoteHead);
    expect(git(p.dir, 'log', '-1', '--format=%s')).toBe('on the host');
    expect(git(p.dir, 'status', '--porcelain')).toBe('');
    expect(p.check().report.verdict).toBe('in_sync');
  });

  it('both sides changed: diverged, push and pull refused; push --force makes the host equal', () => {
    const p = project();
    expect(p.sync('push').code).toBe(0);
    remote(p.host, `cd ${p.remotePath} && echo remote > notes.txt`);
    writeFileSync(join(p.dir, 'training/train.py'), 'print("local")\n');
    const c = p.check();
    expect(c.report.verdict).toBe('diverged');
    expect(c.report.files).toEqual([
      { path: 'notes.txt', side: 'remote', config: false },
      { path: 'training/train.py', side: 'local', config: false },
    ]);
    expect(p.sync('push').code).toBe(2);
    expect(p.sync('pull').code).toBe(2);
    expect(readFileSync(join(p.dir, 'training/train.py'), 'utf8')).toBe('print("local")\n'); // nothing lost
    const forced = p.sync('push', '--force', '--json');
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout).items).toContainEqual({ path: 'notes.txt', action: 'delete' });
    expect(p.check().report.verdict).toBe('in_sync');
  });

  it('a project without git: compared by checksum, newer side by modification time', () => {
    const p = project({ git: false, host: 'node20' });
    expect(p.check().report).toMatchObject({
      mode: 'checksum',
      verdict: 'local_newer',
      remote_missing: true,
    });
    expect(p.sync('push').code).toBe(0);
    expect(p.check().report).toMatchObject({ mode: 'checksum', verdict: 'in_sync', files: [] });
    expect(remote(p.host, `test -e ${p.remotePath}/.git && echo git || echo none`)).toBe('none\n');
    // same size, same mtime, different content: only a checksum sees it
    const f = join(p.dir, 'training/train.py');
    writeFileSync(f, 'print("ho")\n');
    const later = new Date(Date.now() + 60_000);
    utimesSync(f, later, later);
    expect(p.check().report).toMatchObject({
      verdict: 'local_newer',
      files: [{ path: 'training/train.py', side: 'local' }],
    });
    expect(p.sync('push').code).toBe(0);
    remote(
      p.host,
      `cd ${p.remotePath} && touch -d '2099-01-01' requirements.txt && echo pandas >> requirements.txt`,
    );
    expect(p.check().report).toMatchObject({
      verdict: 'remote_newer',
      files: [{ path: 'requirements.txt', side: 'remote', config: true }],
      config_files: ['requirements.txt'],
    });
    expect(p.sync('pull').code).toBe(0);
    expect(readFileSync(join(p.dir, 'requirements.txt'), 'utf8')).toBe('numpy\npandas\n');
  });

  it('a workdir with spaces and quotes, and sync_exclude patterns', () => {
    const p = project({
      host: 'node20',
      workdir: `~/${run}/it's a "dir" $(id)`,
      extra: '    sync_exclude: ["data/", "*.ckpt"]\n',
    });
    mkdirSync(join(p.dir, 'data'));
    writeFileSync(join(p.dir, 'data/big.bin'), 'x'.repeat(1000));
    writeFileSync(join(p.dir, 'model.ckpt'), 'weights');
    expect(p.sync('push').code).toBe(0);
    const listing = remote(p.host, `cd ~/${run} && ls -a "it's a \\"dir\\" \\$(id)"`);
    expect(listing).toContain('hsm_config.yaml');
    expect(listing).not.toContain('data');
    expect(listing).not.toContain('model.ckpt');
    expect(p.check().report.verdict).toBe('in_sync');
  });

  describe('errors name the host and the fix', () => {
    it('host unreachable: exit 3', () => {
      const p = project({ host: '127.0.0.1', extra: '    port: 1\n' });
      const r = p.sync('check');
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/Cannot reach host 127\.0\.0\.1 \(source box\): connection refused/);
      expect(r.stderr).toMatch(/hint: Check that `ssh 127\.0\.0\.1 true` works/);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    });

    it('host key not in known_hosts: exit 3, never accepted silently', () => {
      const p = project({ host: 'node20' });
      // no shared connection (an open master would skip the key check) and an empty known_hosts
      const r = p.sync(
        'push',
        '--ssh-option',
        'ControlPath=none',
        '--ssh-option',
        'UserKnownHostsFile=/dev/null',
      );
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/Cannot reach host node20 \(source box\): host key unknown/);
      expect(r.stderr).toMatch(/hint: Add the host key after checking its fingerprint/);
      expect(remote(p.host, `test -e ${p.remotePath} && echo yes || echo no`)).toBe('no\n');
    });

    it('rsync missing on the host: exit 3, install it or set rsync_path', () => {
      const p = project({ host: 'node20', extra: '    rsync_path: /opt/no-such/rsync\n' });
      const r = p.sync('push');
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/rsync is not installed on host node20 \(source box\)/);
      expect(r.stderr).toMatch(/hint: Install rsync on node20 .*rsync_path/);
    });

    it('workdir that cannot be created: exit 3, nothing sent', () => {
      const p = project({ host: 'node20', workdir: '/proc/hsm-sync/proj' });
      const r = p.sync('push');
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/Cannot create the workdir \/proc\/hsm-sync\/proj on host node20/);
      expect(r.stderr).toMatch(/hint: Point `workdir:` of source `box`/);
    });

    it('a non-empty workdir that is not a git repository: exit 3, left alone unless push --force', () => {
      const p = project({ host: 'node20' });
      remote(p.host, `mkdir -p ${p.remotePath} && echo precious > ${p.remotePath}/precious.txt`);
      const r = p.sync('check');
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/exists and is not a git repository/);
      expect(r.stderr).toMatch(/hsm sync push box --force/);
      expect(p.sync('push').code).toBe(3);
      expect(remote(p.host, `cat ${p.remotePath}/precious.txt`)).toBe('precious\n');
      expect(p.sync('push', '--force').code).toBe(0);
      expect(p.check().report.verdict).toBe('in_sync');
    });

    it('an unknown source or a source that is not ssh: exit 2', () => {
      const p = project();
      const r = hsm(['sync', 'check', 'nope'], p.dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/No source named `nope`.*\n.*ssh sources there: box/);
    });
  });
});

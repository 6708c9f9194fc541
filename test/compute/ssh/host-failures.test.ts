import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm } from '../../helpers/cli.js';
import { NO_INFRA, sshInfra } from '../../remote/test-infra.js';
import { hostHome, sshProject } from './ssh-project.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// What goes wrong with an ssh host, on a real one (node17: these tests break it and restore it):
// each failure is one clear error naming the host and the fix, exit 3 (2 for a project that
// differs), no stack trace, nothing lost locally (the sweep's tasks stay pending), and other
// sources go on.

const HOST_CTL = resolve(__dirname, '../../../scripts/infra/host-ctl.sh');
const HOST = 'node17';
const SWEEP = `command: ["python3", "-c", "print({i})"]\nargs: none\nsweep:\n  grid:\n    i: [1, 2, 3]\n`;

beforeAll(() => ensureBuilt());

function expectClearError(r: { code: number | null; stderr: string }, code: number, ...patterns: RegExp[]) {
  expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr).toMatch(new RegExp(HOST));
  for (const p of patterns) expect(r.stderr).toMatch(p);
}

function pendingTasks(dir: string, id: string): number {
  const s = JSON.parse(hsm(['status', id, '--json'], dir).stdout) as { counts: { pending: number } };
  return s.counts.pending;
}

// A client config like the test one, with one line changed (an identity, a known_hosts file).
function sshConfigWith(replace: (text: string) => string): string {
  const file = join(makeTempDir('hsm-sshcfg-'), 'ssh_config');
  writeFileSync(file, replace(readFileSync(sshInfra().configFile, 'utf8')));
  return file;
}

describe.skipIf(NO_INFRA)(`ssh host failures (${HOST})`, () => {
  afterAll(() => {
    execFileSync(HOST_CTL, ['restore', HOST]);
    rmSync(join(hostHome(HOST), '.bashrc'), { force: true });
  });

  it('an unreachable host: exit 3 naming it and the fix; with the local source as well, the sweep completes there', () => {
    const p = sshProject(SWEEP, [{ name: 'gpu', host: HOST, workdir: '~/hsm/unreach' }]);
    execFileSync(HOST_CTL, ['stop', HOST]);
    try {
      const r = hsm(['run', '--source', 'gpu', '--sync', '--sweep-id', 'u1', ...p.args], p.dir);
      expectClearError(r, 3, /connection refused/i, /ssh node17 true/);
      expect(pendingTasks(p.dir, 'u1')).toBe(3);
      const both = hsm(['run', '--source', 'gpu,local', '--sync', '--sweep-id', 'u2', ...p.args], p.dir);
      expect(both.code, both.stderr).toBe(0);
      expect(both.stderr).toMatch(/warning: .*node17.*connection refused/i);
    } finally {
      execFileSync(HOST_CTL, ['restore', HOST]);
    }
  });

  it('a wrong key: authentication failed, with the fix', () => {
    const key = join(makeTempDir('hsm-key-'), 'id');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const cfg = sshConfigWith((t) => t.replace(/IdentityFile .*/, `IdentityFile ${key}`));
    const p = sshProject(SWEEP, [{ name: 'gpu', host: HOST, workdir: '~/hsm/key' }]);
    const r = hsm(['run', '--source', 'gpu', '--sync', '--sweep-id', 'k', '--ssh-config', cfg], p.dir);
    expectClearError(r, 3, /authentication failed/i, /identity_file/);
    expect(pendingTasks(p.dir, 'k')).toBe(3);
  });

  it('a host key that does not match known_hosts: refused, with the fix', () => {
    const other = join(makeTempDir('hsm-hk-'), 'k');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const known = readFileSync(sshInfra().knownHosts, 'utf8').replace(
      new RegExp(`^(${HOST},\\S+) ssh-ed25519 \\S+`, 'm'),
      `$1 ${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}`,
    );
    const knownFile = `${other}.known_hosts`;
    writeFileSync(knownFile, known);
    const cfg = sshConfigWith((t) => t.replace(/UserKnownHostsFile .*/, `UserKnownHostsFile ${knownFile}`));
    const p = sshProject(SWEEP, [{ name: 'gpu', host: HOST, workdir: '~/hsm/hk' }]);
    const r = hsm(['run', '--source', 'gpu', '--sync', '--sweep-id', 'h', '--ssh-config', cfg], p.dir);
    expectClearError(r, 3, /host key/i, /ssh-keygen -R node17|fingerprint/);
  });

  it('a workdir that cannot be created: named, with the fix', () => {
    const p = sshProject(SWEEP, [{ name: 'gpu', host: HOST, workdir: '/proc/hsm-cannot/proj' }]);
    const r = hsm(['run', '--source', 'gpu', '--sync', '--sweep-id', 'w', ...p.args], p.dir);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect([2, 3]).toContain(r.code);
    expect(r.stderr).toMatch(/node17/);
    expect(r.stderr).toMatch(/\/proc\/hsm-cannot\/proj/);
    expect(r.stderr).toMatch(/workdir/);
  });

  it('python or rsync missing on the host: named, with the fix', () => {
    // the host's PATH (non-interactive ssh sessions read ~/.bashrc) without python3, then without rsync
    const home = hostHome(HOST);
    const bin = (without: RegExp) => {
      const dir = join(home, `bin-${Date.now()}`);
      mkdirSync(dir);
      for (const name of readdirSync('/usr/bin'))
        if (!without.test(name)) symlinkSync(`/usr/bin/${name}`, join(dir, name));
      writeFileSync(join(home, '.bashrc'), `PATH=/home/hsmtest/${dir.split('/').pop()}\n`);
    };
    try {
      const p = sshProject(SWEEP, [{ name: 'gpu', host: HOST, workdir: '~/hsm/nopy' }]);
      bin(/^python/);
      const r = hsm(['run', '--source', 'gpu', '--sync', '--sweep-id', 'py', ...p.args], p.dir);
      expectClearError(r, 3, /python3 not found/, /Install python3 on node17/);
      expect(pendingTasks(p.dir, 'py')).toBe(3);

      bin(/^rsync$/);
      const q = sshProject(SWEEP, [{ name: 'gpu', host: HOST, workdir: '~/hsm/norsync' }]);
      const r2 = hsm(['run', '--source', 'gpu', '--sync', '--sweep-id', 'rs', ...q.args], q.dir);
      expect(r2.stderr).not.toMatch(/at .*\.js:\d+/);
      expect([2, 3]).toContain(r2.code);
      expect(r2.stderr).toMatch(/node17/);
      expect(r2.stderr).toMatch(/rsync/);
    } finally {
      rmSync(join(home, '.bashrc'), { force: true });
    }
  });

  it('a full disk on the host: named, with the fix; nothing lost locally', () => {
    const p = sshProject(SWEEP, [{ name: 'gpu', host: HOST, workdir: '~/hsm/full' }]);
    expect(hsm(['sync', 'push', 'gpu', ...p.args], p.dir).code).toBe(0);
    const sshd = readFileSync(join(sshInfra().dir, 'hosts', HOST, 'sshd.pid'), 'utf8').trim();
    const mnt = '/home/hsmtest/hsm/full/.hsm';
    const ns = ['-t', sshd, '-m'];
    execFileSync('nsenter', [...ns, 'mkdir', '-p', mnt]);
    execFileSync('nsenter', [...ns, 'mount', '-t', 'tmpfs', '-o', 'size=64k,mode=0777', 'hsmfull', mnt]);
    try {
      execFileSync('nsenter', [
        ...ns,
        'sh',
        '-c',
        `dd if=/dev/zero of=${mnt}/filler bs=4k 2>/dev/null; true`,
      ]);
      const r = hsm(['run', '--source', 'gpu', '--sweep-id', 'full', ...p.args], p.dir);
      expectClearError(r, 3, /No space left on device|disk .*full/i, /free space/);
      expect(pendingTasks(p.dir, 'full')).toBe(3);
    } finally {
      execFileSync('nsenter', [...ns, 'umount', mnt]);
    }
  });
});

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProjectConfig } from '../../src/config/index.js';
import { HsmError } from '../../src/domain/errors.js';
import {
  ensureProjectSynced,
  pushProject,
  readSourceSync,
  recordSourceSync,
  type SyncProgress,
} from '../../src/sync/index.js';
import { NO_INFRA, sshInfra } from '../remote/test-infra.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// The API the ssh compute source calls before a remote run (and `hsm run --sync`), on the real
// sshd host node20, and the per-source record it leaves in the sweep directory.
describe.skipIf(NO_INFRA)('ensureProjectSynced and the sweep record', () => {
  const infra = NO_INFRA ? null! : sshInfra();
  const workdir = `hsm-sync-test/ensure-${process.pid}-${Date.now()}`;
  const dir = makeTempDir('hsm-ensure-');
  afterAll(() => {
    remote(`rm -rf hsm-sync-test/ensure-${process.pid}-*`);
    rmSync(dir, { recursive: true, force: true });
  });
  const remote = (command: string) =>
    execFileSync('ssh', ['-F', infra.configFile, 'node20', command], { encoding: 'utf8' });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], {
      cwd: dir,
      encoding: 'utf8',
    }).trim();
  const options = { sshConfigFile: infra?.configFile };

  writeFileSync(
    join(dir, 'hsm_config.yaml'),
    `sources:\n  gpubox: {type: ssh, host: node20, workdir: "~/${workdir}"}\n`,
  );
  writeFileSync(join(dir, 'train.py'), 'print(1)\n');
  const config = () => loadProjectConfig(dir);

  it('without push: refuses a run on a host that lacks the project, changing nothing', async () => {
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'one');
    const err = await ensureProjectSynced(config(), 'gpubox', { ...options, push: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HsmError);
    const e = err as HsmError;
    expect(e.code).toBe('usage');
    expect(e.message).toMatch(
      /The project on host node20 \(source gpubox\) .* is not the local one: local newer/,
    );
    expect(e.hint).toMatch(/hsm run --sync/);
    expect((e.details.sync as { verdict: string }).verdict).toBe('local_newer');
    expect(remote(`test -e ${workdir} && echo yes || echo no`)).toBe('no\n');
  });

  it('with push: pushes a newer local project, then finds it in sync; the sweep records both', async () => {
    const first = await ensureProjectSynced(config(), 'gpubox', { ...options, push: true });
    expect(first.report.verdict).toBe('local_newer');
    expect(first.transfer?.items.map((i) => i.path)).toContain('train.py');
    const sweepDir = makeTempDir('hsm-ensure-sweep-');
    const rec = recordSourceSync(sweepDir, first.report, true);
    expect(rec).toMatchObject({ verdict: 'in_sync', pushed: true, commit: git('rev-parse', 'HEAD') });

    const again = await ensureProjectSynced(config(), 'gpubox', { ...options, push: true });
    expect(again).toMatchObject({ report: { verdict: 'in_sync' }, transfer: null });
    recordSourceSync(sweepDir, { ...again.report, source: 'other' });
    expect(Object.keys(readSourceSync(sweepDir)).sort()).toEqual(['gpubox', 'other']);
    expect(readFileSync(join(sweepDir, 'source_sync.yaml'), 'utf8')).toMatch(
      /gpubox:\n\s+verdict: in_sync\n/,
    );
    rmSync(sweepDir, { recursive: true });
  });

  it('reports the progress of a transfer (rsync --info=progress2) to its end', async () => {
    writeFileSync(join(dir, 'weights.bin'), randomBytes(4 << 20));
    const seen: SyncProgress[] = [];
    const t = await pushProject(config(), 'gpubox', { ...options, onProgress: (p) => seen.push(p) });
    expect(t.items).toContainEqual({ path: 'weights.bin', action: 'send' });
    expect(t.bytes).toBeGreaterThan(4 << 20);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)!.percent).toBeGreaterThanOrEqual(99); // rsync's figure counts files still to check
    expect(seen.at(-1)!.bytes).toBeGreaterThanOrEqual(4 << 20);
  });

  it('with push: still refuses to overwrite changes made on the host', async () => {
    remote(`echo 'print(2)' > ${workdir}/train.py`);
    const err = (await ensureProjectSynced(config(), 'gpubox', { ...options, push: true }).catch(
      (e: unknown) => e,
    )) as HsmError;
    expect(err.code).toBe('usage');
    expect(err.message).toMatch(/remote newer/);
    expect(err.evidence).toContain('train.py');
    expect(err.hint).toMatch(/hsm sync pull gpubox/);
    expect(remote(`cat ${workdir}/train.py`)).toBe('print(2)\n');
  });
});

import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HsmError } from '../../../src/domain/errors.js';
import type { ShellTransport } from '../../../src/remote/shell/index.js';
import {
  pullThroughSession,
  pushThroughSession,
  type SessionShell,
} from '../../../src/remote/session-sync/index.js';
import { hsm, makeProject } from '../../helpers/cli.js';
import { PTY_ONLY_WRAPPER } from '../../helpers/pty-only.js';
import { here, infra, NODE, onNode, openNode24 } from './node24.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// s3_staging: a large push goes through S3 (`aws s3 cp` here and on the node) instead of the
// session. No AWS here: the AWS CLI stand-in (test/fixtures/aws/aws) maps a bucket to a directory
// (this machine and node24 share /tmp), on the node installed as ~/.local/bin/aws (not on its
// PATH: where `pip install --user awscli` puts it), so the helper's fallback is exercised too.
const AWS = resolve(import.meta.dirname, '../../fixtures/aws/aws');

const SUMS = `find . -mindepth 1 -path ./.hsm -prune -o -type f -exec sha256sum {} + | sort`;

describe.runIf(infra !== null)('sync through a session with s3_staging (node24, the aws stand-in)', () => {
  let transport: ShellTransport;
  let shell: SessionShell;
  const base = `hsm-ssync-s3/${process.pid}-${randomBytes(3).toString('hex')}`;
  const s3root = makeTempDir('hsm-fake-s3-');
  const staged = join(s3root, 'bkt', 'runs', 'p1', 'hsm-staging');
  const localLog = join(s3root, 'local.log');
  const nodeLog = join(s3root, 'node.log');
  const project = makeTempDir('hsm-ssync-s3-project-');
  const staging = { url: 's3://bkt/runs/p1', awsCommand: AWS };
  // the node's `aws`: the stand-in over the same bucket directory, logging its calls
  const installNodeAws = (extraEnv = '') =>
    onNode(
      `mkdir -p .local/bin && printf '#!/bin/sh\\nHSM_FAKE_AWS_S3_ROOT=${s3root} HSM_FAKE_AWS_LOG=${nodeLog} ${extraEnv} exec ${AWS} "$@"\\n' >.local/bin/aws && chmod +x .local/bin/aws`,
    );
  const lines = (file: string) =>
    existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
  const stagedLeft = () => (existsSync(staged) ? readdirSync(staged, { recursive: true }) : []);
  const bigFile = (name: string, mb: number) => writeFileSync(join(project, name), randomBytes(mb << 20));

  beforeAll(() => {
    mkdirSync(join(s3root, 'bkt'));
    chmodSync(s3root, 0o777);
    chmodSync(join(s3root, 'bkt'), 0o777);
    writeFileSync(nodeLog, '', { mode: 0o666 });
    chmodSync(nodeLog, 0o666);
    process.env.HSM_FAKE_AWS_S3_ROOT = s3root;
    process.env.HSM_FAKE_AWS_LOG = localLog;
    installNodeAws();
    ({ transport, shell } = openNode24());
    writeFileSync(join(project, 'train.py'), 'print(1)\n');
    mkdirSync(join(project, 'conf'));
    writeFileSync(join(project, 'conf', 'a.yaml'), 'lr: 0.1\n');
    bigFile('weights.bin', 12); // random: through the session it would type ~16 MB
  });
  afterAll(async () => {
    await transport?.close();
    onNode(`rm -rf ${base} .local/bin/aws`);
    rmSync(s3root, { recursive: true, force: true });
    rmSync(project, { recursive: true, force: true });
  });

  test('a large push goes through the bucket, not the session; its objects are removed; a small one stays in the session', async () => {
    const r = await pushThroughSession(shell, {
      localRoot: project,
      remoteRoot: `${base}/p`,
      s3Staging: staging,
    });
    expect(r.bytes).toBeGreaterThan(12 << 20);
    expect(r.chunks_staged).toBeGreaterThanOrEqual(1);
    expect(r.wire_bytes).toBe(0); // not one byte of file data typed into the session
    expect(onNode(`cd ${base}/p && ${SUMS}`)).toBe(here(project, SUMS));
    expect(
      lines(localLog).some((l) =>
        /^s3 cp --only-show-errors - s3:\/\/bkt\/runs\/p1\/hsm-staging\/[0-9a-f]+\/[0-9a-f]{64}$/.test(l),
      ),
    ).toBe(true);
    expect(
      lines(nodeLog).some((l) =>
        /^s3 cp --only-show-errors s3:\/\/bkt\/runs\/p1\/hsm-staging\/[0-9a-f]+\/[0-9a-f]{64} /.test(l),
      ),
    ).toBe(true);
    expect(lines(localLog).some((l) => l.startsWith('s3 rm --recursive'))).toBe(true);
    expect(stagedLeft()).toEqual([]);

    const calls = lines(localLog).length + lines(nodeLog).length;
    writeFileSync(join(project, 'train.py'), 'print(2)\n');
    const small = await pushThroughSession(shell, {
      localRoot: project,
      remoteRoot: `${base}/p`,
      s3Staging: staging,
    });
    expect(small.items.map((i) => i.path)).toEqual(['train.py']);
    expect(small.chunks_staged).toBe(0);
    expect(small.wire_bytes).toBeGreaterThan(0);
    expect(lines(localLog).length + lines(nodeLog).length).toBe(calls);
    expect(onNode(`cat ${base}/p/train.py`)).toBe('print(2)\n');
  }, 60_000);

  test('no aws on the node, a bucket the node may not read, no aws here: each a clear error naming the fix; nothing left in the bucket', async () => {
    bigFile('more.bin', 6);
    onNode('rm -f .local/bin/aws');
    const missing = await pushThroughSession(shell, {
      localRoot: project,
      remoteRoot: `${base}/p`,
      s3Staging: staging,
    }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(HsmError);
    expect((missing as HsmError).code).toBe('infra');
    expect((missing as HsmError).message).toContain('node24 has no AWS CLI');
    expect((missing as HsmError).hint).toContain('Install the AWS CLI on the node');
    expect((missing as HsmError).hint).toContain('remove `s3_staging:`');
    expect(stagedLeft()).toEqual([]);

    installNodeAws('HSM_FAKE_AWS_S3_DENY=bkt');
    const denied = await pushThroughSession(shell, {
      localRoot: project,
      remoteRoot: `${base}/p`,
      s3Staging: staging,
    }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(HsmError);
    expect((denied as HsmError).message).toMatch(
      /node24 could not copy the staged data from s3:\/\/bkt\/runs\/p1: .*AccessDenied/,
    );
    expect((denied as HsmError).hint).toContain('s3:GetObject on s3://bkt/runs/p1/*');
    expect(stagedLeft()).toEqual([]);

    const noLocal = await pushThroughSession(shell, {
      localRoot: project,
      remoteRoot: `${base}/p`,
      s3Staging: { ...staging, awsCommand: join(s3root, 'no-such-aws') },
    }).catch((e: unknown) => e);
    expect((noLocal as HsmError).message).toContain('s3_staging needs the AWS CLI (`aws`) on this machine');

    // the node's copy was left as it was: the failed pushes wrote nothing into it
    expect(onNode(`ls ${base}/p`).split('\n')).not.toContain('more.bin');
    installNodeAws();
    const ok = await pushThroughSession(shell, {
      localRoot: project,
      remoteRoot: `${base}/p`,
      s3Staging: staging,
    });
    expect(ok.items.map((i) => i.path)).toEqual(['more.bin']);
    expect(onNode(`cd ${base}/p && ${SUMS}`)).toBe(here(project, SUMS));
    expect(stagedLeft()).toEqual([]);
  }, 60_000);

  test('a large pull comes back through the bucket, not the session; its objects are removed; a small one stays in the session', async () => {
    const out = makeTempDir('hsm-ssync-s3-pull-');
    onNode(
      `mkdir -p ${base}/res/sub && cd ${base}/res && head -c 6291456 /dev/urandom >big.bin && echo hi >sub/small.txt`,
    );
    const before = { local: lines(localLog).length, node: lines(nodeLog).length };
    const r = await pullThroughSession(shell, {
      remoteDir: `${base}/res`,
      localDir: out,
      s3Staging: staging,
    });
    expect(r.bytes).toBeGreaterThan(6 << 20);
    expect(r.chunks_staged).toBeGreaterThanOrEqual(1);
    expect(r.wire_bytes).toBe(0); // not one byte of file data read from the session
    expect(here(out, SUMS)).toBe(onNode(`cd ${base}/res && ${SUMS}`));
    const nodeCalls = lines(nodeLog).slice(before.node);
    const localCalls = lines(localLog).slice(before.local);
    // the node uploads each chunk from its pack; this machine downloads it and removes the prefix
    expect(nodeCalls.length).toBeGreaterThan(0);
    for (const l of nodeCalls)
      expect(l).toMatch(
        /^s3 cp --only-show-errors - s3:\/\/bkt\/runs\/p1\/hsm-staging\/[0-9a-f]+\/[0-9a-f]{64}$/,
      );
    expect(
      localCalls.filter((l) =>
        /^s3 cp --only-show-errors s3:\/\/bkt\/runs\/p1\/hsm-staging\/[0-9a-f]+\/[0-9a-f]{64} /.test(l),
      ),
    ).toHaveLength(nodeCalls.length);
    expect(localCalls.at(-1)).toMatch(
      /^s3 rm --recursive --only-show-errors s3:\/\/bkt\/runs\/p1\/hsm-staging\//,
    );
    expect(stagedLeft()).toEqual([]);

    // a small change comes back through the session, with no aws call
    onNode(`cd ${base}/res && echo bye >sub/small.txt`);
    const calls = lines(localLog).length + lines(nodeLog).length;
    const small = await pullThroughSession(shell, {
      remoteDir: `${base}/res`,
      localDir: out,
      s3Staging: staging,
    });
    expect(small.items.map((i) => i.path)).toEqual(['sub/small.txt']);
    expect(small.chunks_staged).toBe(0);
    expect(small.wire_bytes).toBeGreaterThan(0);
    expect(lines(localLog).length + lines(nodeLog).length).toBe(calls);
    expect(readFileSync(join(out, 'sub', 'small.txt'), 'utf8')).toBe('bye\n');
    rmSync(out, { recursive: true, force: true });
  }, 60_000);

  test('a pull when the node may not write to the bucket or has no aws: a clear error naming the fix, nothing left in the bucket; then it comes through', async () => {
    const out = makeTempDir('hsm-ssync-s3-pull-');
    onNode(`mkdir -p ${base}/res2 && head -c 5242880 /dev/urandom >${base}/res2/more.bin`);
    installNodeAws('HSM_FAKE_AWS_S3_DENY=bkt');
    const denied = await pullThroughSession(shell, {
      remoteDir: `${base}/res2`,
      localDir: out,
      s3Staging: staging,
    }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(HsmError);
    expect((denied as HsmError).code).toBe('infra');
    expect((denied as HsmError).message).toMatch(
      /^node24 could not copy results to s3:\/\/bkt\/runs\/p1: .*AccessDenied/,
    );
    expect((denied as HsmError).hint).toContain(
      "Give the node's role (its instance profile) s3:PutObject on s3://bkt/runs/p1/*",
    );
    expect((denied as HsmError).hint).toContain(
      'remove `s3_staging:` to bring results back through the session',
    );
    expect(stagedLeft()).toEqual([]);
    expect(existsSync(join(out, 'more.bin'))).toBe(false);

    onNode('rm -f .local/bin/aws');
    const missing = await pullThroughSession(shell, {
      remoteDir: `${base}/res2`,
      localDir: out,
      s3Staging: staging,
    }).catch((e: unknown) => e);
    expect((missing as HsmError).message).toContain('node24 has no AWS CLI');
    expect((missing as HsmError).hint).toContain('bring results back through the session');

    installNodeAws();
    const ok = await pullThroughSession(shell, {
      remoteDir: `${base}/res2`,
      localDir: out,
      s3Staging: staging,
    });
    expect(ok.chunks_staged).toBeGreaterThanOrEqual(1);
    expect(here(out, SUMS)).toBe(onNode(`cd ${base}/res2 && ${SUMS}`));
    expect(stagedLeft()).toEqual([]);
    rmSync(out, { recursive: true, force: true });
  }, 60_000);

  test('hsm run --sync on a session source with s3_staging: the project goes through the bucket, the task sees it whole, its large result comes back through it', () => {
    const dir = makeProject(
      'command: sh\nargs: none\n',
      [
        'defaults:',
        '  output_dir: sweeps/outputs',
        'sources:',
        `  node: {type: ssm, nodes: ${NODE}, shell_command: ${JSON.stringify(`${PTY_ONLY_WRAPPER} {node}`)}, workdir: ${base}/e2e, s3_staging: s3://bkt/runs/e2e}`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'weights.bin'), randomBytes(8 << 20));
    const want = execFileSync('sha256sum', ['weights.bin'], { cwd: dir, encoding: 'utf8' });
    const r = hsm(
      [
        'run',
        '--source',
        'node',
        '--sync',
        '--cmd',
        "sh -c 'sha256sum weights.bin && head -c 6000000 weights.bin >$HSM_TASK_DIR/out.bin'",
      ],
      dir,
      {
        PATH: `${resolve(AWS, '..')}:${process.env.PATH ?? ''}`,
      },
      90_000,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /pushed the project to node24 \(source node\): .* \(through s3:\/\/bkt\/runs\/e2e\)/,
    );
    const sweeps = readdirSync(join(dir, 'sweeps', 'outputs'));
    const task = join(dir, 'sweeps', 'outputs', sweeps[0]!, 'tasks', 'task_001');
    // the node's staging directory of the collection is removed before hsm ends its session
    expect(onNode(`ls -a ${base}/e2e/.hsm/sweeps/${sweeps[0]}`)).not.toMatch(/collect\./);
    expect(readFileSync(join(task, 'stdout.log'), 'utf8')).toBe(want);
    // the task's 6 MB result was uploaded by the node's aws and is here whole
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(sha(readFileSync(join(task, 'out.bin')))).toBe(
      sha(readFileSync(join(dir, 'weights.bin')).subarray(0, 6000000)),
    );
    expect(
      lines(nodeLog).some((l) =>
        /^s3 cp --only-show-errors - s3:\/\/bkt\/runs\/e2e\/hsm-staging\/[0-9a-f]+\/[0-9a-f]{64}$/.test(l),
      ),
    ).toBe(true);
    expect(
      existsSync(join(s3root, 'bkt', 'runs', 'e2e', 'hsm-staging'))
        ? readdirSync(join(s3root, 'bkt', 'runs', 'e2e', 'hsm-staging'))
        : [],
    ).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  }, 90_000);
});

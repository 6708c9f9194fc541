import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, makeProject } from '../../helpers/cli.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// HyperPod and EC2 targets of a session source through the recorded stand-in for the AWS CLI
// (test/fixtures/aws: no AWS endpoint is reachable here): `aws sagemaker list-cluster-nodes` lists
// the group, `aws ssm start-session --target T` opens a shell on a pty-only test host (node21..23)
// chosen by T's instance id, or fails as the CLI does (access denied, agent offline, instance
// stopped, throttled).

const AWS_DIR = resolve(__dirname, '../../fixtures/aws');
// the three running nodes of worker-group-1 of the recorded cluster ml-cluster
const WORKERS = ['i-07d6c5b4a39281706', 'i-0b9e8d7c6b5a49382', 'i-0f3c2a1b4d5e6f708'];

beforeAll(() => ensureBuilt());

function awsEnv(fails = '') {
  const dir = makeTempDir('hsm-fake-aws-');
  writeFileSync(join(dir, 'hosts'), WORKERS.map((id, i) => `${id} node${21 + i}`).join('\n') + '\n');
  writeFileSync(join(dir, 'fails'), fails);
  writeFileSync(join(dir, 'log'), '');
  return {
    log: join(dir, 'log'),
    env: {
      PATH: `${AWS_DIR}:${process.env.PATH}`,
      HSM_FAKE_AWS_SSM_HOSTS: join(dir, 'hosts'),
      HSM_FAKE_AWS_SSM_FAILS: join(dir, 'fails'),
      HSM_FAKE_AWS_LOG: join(dir, 'log'),
    },
  };
}

function project(source: string) {
  return makeProject(
    'command: ["sh", "-c", "echo ran {i} on $(hostname)"]\nargs: none\nsweep:\n  grid:\n    i: [1, 2, 3, 4, 5, 6]\n',
    `defaults:\n  output_dir: sweeps/outputs\nsources:\n  hp: ${source}\n`,
  );
}

describe.skipIf(NO_INFRA)('ssm source through the aws stand-in', () => {
  it('hyperpod: {cluster, group}: the running nodes of the group, reached by their SSM targets; tasks recorded by instance id', () => {
    const aws = awsEnv();
    const dir = project(
      `{type: ssm, hyperpod: {cluster: ml-cluster, group: worker-group-1}, region: us-west-2, workdir: hsm-ssm/hp, max_parallel: 2}`,
    );
    const r = hsm(['run', '--source', 'hp', '--sync', '--sweep-id', 'hp', '--json'], dir, aws.env);
    expect(r.code, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout) as { counts: Record<string, number>; tasks: { host: string }[] };
    expect(status.counts.completed).toBe(6);
    for (const t of status.tasks) expect(WORKERS).toContain(t.host);
    const calls = readFileSync(aws.log, 'utf8');
    expect(calls).toMatch(/sagemaker list-cluster-nodes --cluster-name ml-cluster/);
    for (const id of WORKERS)
      expect(calls).toMatch(
        new RegExp(`ssm start-session --target sagemaker-cluster:\\S+_worker-group-1-${id} `),
      );
    expect(calls).toMatch(
      /--target sagemaker-cluster:[a-z0-9]+_worker-group-1-i-0b9e8d7c6b5a49382 --region us-west-2/,
    );
    // the pending node of the group is never contacted
    expect(calls).not.toMatch(/i-0c1d2e3f4a5b6c7d8/);
  });

  it('EC2 instance ids: a throttled start is retried; an offline agent, a stopped instance, a missing IAM permission each say what and how to fix it, and the other nodes do the work', () => {
    const aws = awsEnv(
      `${WORKERS[0]} throttle-once\n${WORKERS[1]} offline\ni-0aaaaaaaaaaaaaaa1 stopped\ni-0aaaaaaaaaaaaaaa2 denied\n`,
    );
    const dir = project(
      `{type: ssm, nodes: [${WORKERS[0]}, ${WORKERS[1]}, i-0aaaaaaaaaaaaaaa1, i-0aaaaaaaaaaaaaaa2], workdir: hsm-ssm/ec2, max_parallel: 3}`,
    );
    const r = hsm(['run', '--source', 'hp', '--sync', '--sweep-id', 'ec2', '--json'], dir, aws.env);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.code, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout) as { counts: Record<string, number>; tasks: { host: string }[] };
    expect(status.counts.completed).toBe(6);
    expect(new Set(status.tasks.map((t) => t.host))).toEqual(new Set([WORKERS[0]]));
    expect(r.stderr).toMatch(
      new RegExp(`${WORKERS[0]}: session start failed \\(.*Rate exceeded.*\\); trying again in 1 s`),
    );
    expect(r.stderr).toMatch(new RegExp(`SSM agent on ${WORKERS[1]} is offline or not registered`));
    expect(r.stderr).toMatch(
      /i-0aaaaaaaaaaaaaaa1 is stopped, terminated or not a managed instance: start it \(`aws ec2 start-instances/,
    );
    expect(r.stderr).toMatch(/needs ssm:StartSession/);
  });
});

import { describe, expect, test } from 'vitest';
import { HsmError } from '../../../src/domain/errors.js';
import { buildSsmTarget, discoverHyperPodNodes, parseClusterId } from '../../../src/remote/hyperpod/index.js';
import { fakeAwsEnv } from './hyperpod-test-helpers.js';

// For discoveries that must fail: a success fails the test.
const succeeded = (): never => {
  throw new Error('expected the discovery to fail');
};

describe('HyperPod node discovery through the aws CLI', () => {
  test('reads every page of list-cluster-nodes and names SSM targets from the cluster id', async () => {
    const { env, calls } = fakeAwsEnv();
    const cluster = await discoverHyperPodNodes('ml-cluster', {
      env,
      region: 'us-west-2',
      profile: 'research',
    });
    expect(cluster).toMatchObject({ clusterName: 'ml-cluster', clusterId: 'k3vgl7t2v5qn', pages: 3 });
    expect(cluster.nodes.map((n) => [n.name, n.target])).toEqual([
      ['i-01a2b3c4d5e6f7a8b', 'sagemaker-cluster:k3vgl7t2v5qn_controller-machine-i-01a2b3c4d5e6f7a8b'],
      ['i-07d6c5b4a39281706', 'sagemaker-cluster:k3vgl7t2v5qn_worker-group-1-i-07d6c5b4a39281706'],
      ['i-0b9e8d7c6b5a49382', 'sagemaker-cluster:k3vgl7t2v5qn_worker-group-1-i-0b9e8d7c6b5a49382'],
      ['i-0f3c2a1b4d5e6f708', 'sagemaker-cluster:k3vgl7t2v5qn_worker-group-1-i-0f3c2a1b4d5e6f708'],
    ]);
    expect(cluster.notRunning).toMatchObject([{ name: 'i-0c1d2e3f4a5b6c7d8', status: 'Pending' }]);
    const log = calls();
    expect(log).toHaveLength(4);
    expect(log[0]).toBe(
      'sagemaker describe-cluster --cluster-name ml-cluster --output json --region us-west-2 --profile research',
    );
    expect(log[2]).toContain('--next-token AAMA-page2-eyJ2IjoxfQ');
    expect(log[3]).toContain('--next-token AAMA-page3-eyJ2IjoyfQ');
  });

  test('filters by instance group, and names the groups when one is unknown', async () => {
    const { env } = fakeAwsEnv();
    const workers = await discoverHyperPodNodes('ml-cluster', { env, instanceGroups: ['worker-group-1'] });
    expect(workers.nodes.map((n) => n.instanceGroup)).toEqual([
      'worker-group-1',
      'worker-group-1',
      'worker-group-1',
    ]);
    await expect(discoverHyperPodNodes('ml-cluster', { env, instanceGroups: ['gpu'] })).rejects.toThrow(
      /no instance group "gpu"[\s\S]*/,
    );
  });

  test('a cluster that does not exist is not_found, with the aws stderr as evidence', async () => {
    const { env } = fakeAwsEnv();
    const err = await discoverHyperPodNodes('nope', { env, region: 'eu-west-1' }).then(
      succeeded,
      (e: unknown) => e as HsmError,
    );
    expect(err).toBeInstanceOf(HsmError);
    expect(err).toMatchObject({ code: 'not_found', message: expect.stringContaining('region eu-west-1') });
    expect(err.evidence).toContain('Cluster with name nope not found');
    expect(err.hint).toContain('list-clusters');
  });

  test('expired credentials and denied access say what to do', async () => {
    const expired = await discoverHyperPodNodes('ml-cluster', {
      env: fakeAwsEnv({ HSM_FAKE_AWS_FAIL: 'expired' }).env,
      profile: 'research',
    }).then(succeeded, (e: unknown) => e as HsmError);
    expect(expired).toMatchObject({
      code: 'infra',
      message: expect.stringContaining('credentials are missing or expired'),
    });
    expect(expired.evidence).toContain('ExpiredTokenException');
    expect(expired.hint).toContain('aws sso login --profile research');
    const denied = await discoverHyperPodNodes('ml-cluster', {
      env: fakeAwsEnv({ HSM_FAKE_AWS_FAIL: 'denied' }).env,
    }).then(succeeded, (e: unknown) => e as HsmError);
    expect(denied.message).toContain('access denied');
    expect(denied.hint).toContain('sagemaker:ListClusterNodes');
  });

  test('a missing aws CLI and a malformed cluster name are clear errors', async () => {
    const missing = await discoverHyperPodNodes('ml-cluster', { awsCommand: 'aws-not-installed-hsm' }).then(
      succeeded,
      (e: unknown) => e as HsmError,
    );
    expect(missing).toMatchObject({ code: 'infra', message: expect.stringContaining('was not found') });
    await expect(discoverHyperPodNodes('bad name;x')).rejects.toThrow(/not a HyperPod cluster name/);
  });

  test('target naming is pure and checks the ARN', () => {
    expect(parseClusterId('arn:aws:sagemaker:us-east-1:111122223333:cluster/abc123')).toBe('abc123');
    expect(buildSsmTarget('abc123', 'g1', 'i-1')).toBe('sagemaker-cluster:abc123_g1-i-1');
    expect(() => parseClusterId('arn:aws:sagemaker:us-east-1:1:endpoint/x')).toThrow(/cluster\/<id>/);
  });
});

import { HsmError } from '../../domain/errors.js';

// SageMaker HyperPod naming, pure: the cluster id inside a cluster ARN and the SSM target of one
// node (https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-hyperpod-run-jobs-slurm-access-nodes.html:
// `sagemaker-cluster:<cluster-id>_<instance-group-name>-<instance-id>`).

// `arn:aws:sagemaker:us-west-2:123456789012:cluster/abcd1234efgh` -> `abcd1234efgh`.
export function parseClusterId(clusterArn: string): string {
  const m = /^arn:aws[a-z-]*:sagemaker:[^:]*:[^:]*:cluster\/([A-Za-z0-9-]+)$/.exec(clusterArn.trim());
  if (!m) {
    throw new HsmError('infra', `The HyperPod cluster ARN "${clusterArn}" does not end in cluster/<id>.`, {
      evidence: clusterArn,
      hint: 'Check that describe-cluster returns a SageMaker cluster ARN; report this if it does.',
    });
  }
  return m[1]!;
}

// The SSM target of one HyperPod node.
export function buildSsmTarget(clusterId: string, instanceGroup: string, instanceId: string): string {
  return `sagemaker-cluster:${clusterId}_${instanceGroup}-${instanceId}`;
}

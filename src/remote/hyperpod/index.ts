// SageMaker HyperPod: node discovery through the AWS CLI and the transport that reaches the nodes
// through SSM. Not run against a live cluster yet (see NOTES.md).
//
// Exports used by `hsm exec --hyperpod CLUSTER`:
//   discoverHyperPodNodes(cluster, { region?, profile?, awsCommand?, instanceGroups? })
//     -> { clusterName, clusterId, nodes: HyperPodNode[] (Running), notRunning, pages }
//     node.name = instance id, node.target = sagemaker-cluster:<cluster-id>_<group>-<instance-id>.
//     Throws HsmError (not_found / infra with the aws stderr as evidence / usage).
//   createHyperPodTransport({ mode: 'one-shot' | 'interactive', region?, profile?, awsCommand?,
//     sessionRateLimit?, connectTimeoutMs? }) -> Transport (+ open(node), fallbackReason)
//     one-shot: AWS-StartNonInteractiveCommand, falling back to an interactive SSM shell.
//   buildDefaultHyperPodShellCommand({ region?, profile?, awsCommand? }) -> the default
//     --shell-command (`aws ssm start-session --target {target} ...`) for the plain shell transport.
//   buildSsmTarget(clusterId, group, instanceId), parseClusterId(arn)
export {
  discoverHyperPodNodes,
  type HyperPodCluster,
  type HyperPodNode,
  type DiscoverOptions,
} from './discover-nodes.js';
export {
  createHyperPodTransport,
  buildDefaultHyperPodShellCommand,
  HyperPodTransport,
  type HyperPodTransportOptions,
} from './hyperpod-transport.js';
export { buildSsmTarget, parseClusterId } from './ssm-target.js';
export type { AwsCliOptions } from './aws-cli.js';

import { HsmError } from '../../domain/errors.js';
import type { NodeTarget } from '../types.js';
import { runAwsJson, type AwsCliOptions } from './aws-cli.js';
import { buildSsmTarget, parseClusterId } from './ssm-target.js';

// The nodes of a SageMaker HyperPod cluster, from `aws sagemaker describe-cluster` (cluster id,
// from the ARN) and `aws sagemaker list-cluster-nodes` (every page). Node names are instance ids:
// they are unique, they are what the HyperPod console, SSM and CloudWatch show, and
// list-cluster-nodes returns them without one more call per node (host names such as
// `ip-10-1-2-3` need describe-cluster-node per node). The instance group is kept beside each node.

export interface HyperPodNode extends NodeTarget {
  instanceId: string;
  instanceGroup: string;
  instanceType: string | null;
  /** `Running`, `Pending`, `ShuttingDown`, `SystemUpdating`, ... */
  status: string;
}

export interface HyperPodCluster {
  clusterName: string;
  clusterId: string;
  clusterArn: string;
  clusterStatus: string;
  /** Nodes whose status is `Running`, sorted by instance group then instance id. */
  nodes: HyperPodNode[];
  /** Nodes listed but not running (reported, not contacted). */
  notRunning: HyperPodNode[];
  /** How many list-cluster-nodes pages were read. */
  pages: number;
}

export interface DiscoverOptions extends AwsCliOptions {
  /** Only these instance groups (default: all). */
  instanceGroups?: readonly string[];
}

const MAX_PAGES = 10_000;

// Lists a HyperPod cluster's nodes with their SSM targets (all pages); throws HsmError with the
// aws stderr as evidence when the CLI is missing, the cluster unknown or credentials expired.
export async function discoverHyperPodNodes(
  cluster: string,
  options: DiscoverOptions = {},
): Promise<HyperPodCluster> {
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(cluster) && !cluster.startsWith('arn:')) {
    throw new HsmError('usage', `"${cluster}" is not a HyperPod cluster name.`, {
      hint: 'Give the cluster name (letters, digits, hyphens) or its ARN: --hyperpod my-cluster.',
    });
  }
  const described = (await runAwsJson(
    ['sagemaker', 'describe-cluster', '--cluster-name', cluster],
    `Describing HyperPod cluster "${cluster}"`,
    options,
  )) as { ClusterArn?: string; ClusterName?: string; ClusterStatus?: string };
  const clusterArn = String(described.ClusterArn ?? '');
  const clusterId = parseClusterId(clusterArn);
  const all: HyperPodNode[] = [];
  const seenTokens = new Set<string>();
  let token: string | undefined;
  let pages = 0;
  do {
    const args = ['sagemaker', 'list-cluster-nodes', '--cluster-name', cluster, '--no-paginate'];
    if (token) args.push('--next-token', token);
    const page = (await runAwsJson(args, `Listing the nodes of HyperPod cluster "${cluster}"`, options)) as {
      ClusterNodeSummaries?: RawNodeSummary[];
      NextToken?: string;
    };
    pages++;
    for (const raw of page.ClusterNodeSummaries ?? []) all.push(toNode(raw, clusterId));
    token = page.NextToken || undefined;
    if (token && seenTokens.has(token)) {
      throw new HsmError(
        'infra',
        `Listing the nodes of "${cluster}": the AWS CLI returned the same page token twice.`,
        {
          evidence: `NextToken ${token}`,
        },
      );
    }
    if (token) seenTokens.add(token);
  } while (token && pages < MAX_PAGES);
  const groups = options.instanceGroups;
  if (groups?.length) {
    const known = new Set(all.map((n) => n.instanceGroup));
    const unknown = groups.filter((g) => !known.has(g));
    if (unknown.length) {
      throw new HsmError(
        'config',
        `HyperPod cluster "${cluster}" has no instance group ${unknown.map((g) => `"${g}"`).join(', ')}.`,
        {
          hint: `Its groups: ${[...known].sort().join(', ') || '(none)'}.`,
        },
      );
    }
  }
  const wanted = all
    .filter((n) => !groups?.length || groups.includes(n.instanceGroup))
    .sort(
      (a, b) => a.instanceGroup.localeCompare(b.instanceGroup) || a.instanceId.localeCompare(b.instanceId),
    );
  return {
    clusterName: String(described.ClusterName ?? cluster),
    clusterId,
    clusterArn,
    clusterStatus: String(described.ClusterStatus ?? 'unknown'),
    nodes: wanted.filter((n) => n.status === 'Running'),
    notRunning: wanted.filter((n) => n.status !== 'Running'),
    pages,
  };
}

interface RawNodeSummary {
  InstanceGroupName?: string;
  InstanceId?: string;
  InstanceType?: string;
  InstanceStatus?: { Status?: string; Message?: string };
}

function toNode(raw: RawNodeSummary, clusterId: string): HyperPodNode {
  const instanceId = String(raw.InstanceId ?? '');
  const instanceGroup = String(raw.InstanceGroupName ?? '');
  if (!instanceId || !instanceGroup) {
    throw new HsmError(
      'infra',
      'list-cluster-nodes returned a node without InstanceId or InstanceGroupName.',
      {
        evidence: JSON.stringify(raw),
      },
    );
  }
  return {
    name: instanceId,
    target: buildSsmTarget(clusterId, instanceGroup, instanceId),
    instanceId,
    instanceGroup,
    instanceType: raw.InstanceType ?? null,
    status: raw.InstanceStatus?.Status ?? 'unknown',
  };
}

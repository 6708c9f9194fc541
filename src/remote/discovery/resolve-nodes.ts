import { HsmError } from '../../domain/errors.js';
import { NodeSet } from '../nodeset/index.js';
import type { NodeTarget } from '../types.js';
import { readHostsFile } from './hosts-file.js';
import { nodeGroupResolver, resolveNodeGroups } from './node-groups.js';
import { listSlurmNodes } from './slurm-nodes.js';

// Node discovery for `hsm exec` with a static or Slurm source: -w, --hosts-file, -g and --slurm
// may be combined (their union), then -x removes nodes; nodes come out sorted as ClusterShell sorts
// them (docs/node-sets.md). `@group` in -w / -x names a group of hsm_config.yaml. HyperPod
// discovery is separate (remote/hyperpod) because its nodes carry SSM targets.

export interface NodeSelection {
  /** -w NODESET */
  nodes?: string;
  hostsFile?: string;
  /** -g GROUP[,GROUP] */
  groups?: string;
  /** --slurm [PARTITION]: true = every node. */
  slurm?: string | boolean;
  /** --slurm-state STATES: only Slurm nodes in these states (sinfo -t). */
  slurmStates?: string;
  /** -x NODESET */
  exclude?: string;
}

// Resolves the selection into node targets (target = name: ssh resolves aliases itself).
export async function resolveNodes(
  selection: NodeSelection,
  cwd: string = process.cwd(),
  env?: NodeJS.ProcessEnv,
): Promise<NodeTarget[]> {
  const groups = nodeGroupResolver(cwd);
  let set = NodeSet.empty();
  if (selection.nodes !== undefined) set = set.union(NodeSet.parse(selection.nodes, groups));
  if (selection.hostsFile !== undefined) set = set.union(readHostsFile(selection.hostsFile, groups));
  if (selection.groups !== undefined) set = set.union(resolveNodeGroups(selection.groups, cwd));
  if (selection.slurm !== undefined && selection.slurm !== false) {
    set = set.union(
      await listSlurmNodes(typeof selection.slurm === 'string' ? selection.slurm : undefined, {
        env,
        states: selection.slurmStates,
      }),
    );
  }
  const given = set.size;
  if (selection.exclude !== undefined) set = set.difference(NodeSet.parse(selection.exclude, groups));
  if (set.size === 0) {
    throw new HsmError('usage', given > 0 ? 'Every node was excluded by -x.' : 'No nodes selected.', {
      hint: 'Name the nodes with -w NODESET (e.g. -w node[01-16]), --hosts-file FILE, -g GROUP, --slurm [PARTITION] or --hyperpod CLUSTER.',
    });
  }
  return set.toArray().map((name) => ({ name, target: name }));
}

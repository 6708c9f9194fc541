import { HsmError } from '../domain/errors.js';
import { nodeGroupResolver } from '../remote/discovery/node-groups.js';
import { resolveNodes, type NodeSelection } from '../remote/discovery/resolve-nodes.js';
import { NodeSet, foldNodeSet } from '../remote/nodeset/index.js';
import { runOnNodes, DEFAULT_FANOUT, type FanOutOptions } from '../remote/fan-out.js';
import { SshTransport } from '../remote/ssh/ssh-transport.js';
import {
  checkTemplateNamesNodes,
  createShellTransport,
  parseShellCommandTemplate,
} from '../remote/shell/index.js';
import {
  buildDefaultHyperPodShellCommand,
  createHyperPodTransport,
  discoverHyperPodNodes,
} from '../remote/hyperpod/index.js';
import { runInteractive, runNodeTest } from '../remote/interactive.js';
import { scriptTransport } from '../remote/script-transport.js';
import type { NodeResult, NodeTarget, Transport } from '../remote/types.js';

// `hsm exec`: one command on every node. Node discovery (-w, --hosts-file, -g, --slurm,
// --hyperpod, -x), the transport (ssh exec channel, or an interactive `shell` behind a pty), the
// fan-out, and the interactive prompt when no command is given. Rendering stays in the CLI.

export {
  buildExecJson,
  summarizeResults,
  renderSummaryLine,
  toJsonNode,
  classifyNodeResult,
  describeProblem,
} from '../remote/output/exec-report.js';
export { groupIdenticalOutputs, renderOutputGroups } from '../remote/output/group-outputs.js';
export { LinePrefixer } from '../remote/output/line-prefixer.js';
export { escapeControls, outputWriter } from '../remote/output/terminal-safe.js';
export { decodeBytes, encodeBytes } from '../remote/output/byte-text.js';
export { NodeSet, foldNodeSet, expandNodeSet } from '../remote/nodeset/index.js';
export { DEFAULT_FANOUT };
export { prepareExecJob, readScriptFile, type ExecJob } from '../remote/exec-job.js';
export type { NodeResult, NodeTarget, Transport, NodeSelection };

// Above this many nodes a command runs only when asked for (--yes): a typo such as n[1-100000]
// would otherwise open connections to a hundred thousand hosts.
export const LARGE_NODE_SET = 4096;

export interface ExecTargetOptions extends NodeSelection {
  /** Accept a node set of over LARGE_NODE_SET nodes. */
  yes?: boolean;
  /** --hyperpod CLUSTER */
  hyperpod?: string;
  region?: string;
  profile?: string;
}

export interface ExecTransportOptions {
  transport?: 'ssh' | 'shell';
  /** --shell-command TEMPLATE (implies the shell transport). */
  shellCommand?: string;
  /** --ssh-config FILE (ssh -F). */
  sshConfig?: string;
  /** --ssh-option KEY=VALUE, repeated. */
  sshOptions?: string[];
  /** Per-node connect timeout, seconds. */
  connectTimeoutSec?: number;
  /** For --hyperpod: true when no command is given (interactive prompt). */
  interactive?: boolean;
  hyperpod?: string;
  region?: string;
  profile?: string;
  /** How many nodes the command runs on: a shell template without `{node}` serves only one. */
  nodeCount?: number;
}

// The nodes a command runs on. Throws usage/config errors pointing at the bad part of the input.
export async function resolveExecNodes(
  options: ExecTargetOptions,
  cwd: string = process.cwd(),
): Promise<NodeTarget[]> {
  const nodes = await selectNodes(options, cwd);
  if (nodes.length > LARGE_NODE_SET && !options.yes) {
    throw new HsmError(
      'usage',
      `the node set has ${nodes.length.toLocaleString('en-US')} nodes (over ${LARGE_NODE_SET.toLocaleString('en-US')}): ${foldNodeSet(nodes.map((n) => n.name))}`,
      {
        hint: 'check the node set for a typo (n[1-100000] for n[1-100]?); to run on all of them, pass --yes',
      },
    );
  }
  return nodes;
}

async function selectNodes(options: ExecTargetOptions, cwd: string): Promise<NodeTarget[]> {
  const { hyperpod, region, profile, yes: _yes, ...selection } = options;
  const staticSources = [selection.nodes, selection.hostsFile, selection.groups, selection.slurm].filter(
    (v) => v !== undefined && v !== false,
  );
  if (hyperpod === undefined) return resolveNodes(selection, cwd);
  if (staticSources.length > 0) {
    throw new HsmError('usage', '--hyperpod cannot be combined with -w, --hosts-file, -g or --slurm.', {
      hint: 'Use --hyperpod CLUSTER alone (with -x NODESET to leave instances out).',
    });
  }
  const cluster = await discoverHyperPodNodes(hyperpod, { region, profile });
  const drop =
    selection.exclude === undefined
      ? NodeSet.empty()
      : NodeSet.parse(selection.exclude, nodeGroupResolver(cwd));
  const nodes = cluster.nodes.filter((n) => !drop.has(n.name));
  if (nodes.length === 0) {
    throw new HsmError('not_found', `HyperPod cluster \`${hyperpod}\` has no running node to run on.`, {
      hint: 'Check the cluster with `aws sagemaker list-cluster-nodes --cluster-name ' + hyperpod + '`.',
    });
  }
  return nodes;
}

// The transport for the options: ssh by default; the shell transport with --transport shell or
// --shell-command; with --hyperpod, SSM (one-shot commands, or shells for the prompt).
export function createExecTransport(options: ExecTransportOptions): Transport {
  const kind = options.transport ?? (options.shellCommand !== undefined ? 'shell' : 'ssh');
  if (kind === 'ssh' && options.shellCommand !== undefined) {
    throw new HsmError('usage', '--shell-command needs the shell transport, not --transport ssh.', {
      hint: 'Drop --transport ssh (or write --transport shell).',
    });
  }
  const aws = { region: options.region, profile: options.profile };
  if (kind === 'shell') {
    const template =
      options.shellCommand ??
      (options.hyperpod !== undefined ? buildDefaultHyperPodShellCommand(aws) : undefined);
    if (template === undefined) {
      throw new HsmError('usage', '--transport shell needs --shell-command TEMPLATE.', {
        hint: "For example --shell-command 'ssh -tt {node}' or --shell-command 'kubectl exec -it {node} -- bash'.",
      });
    }
    checkTemplateNamesNodes(parseShellCommandTemplate(template), options.nodeCount ?? 1);
    return createShellTransport({
      shellCommand: template,
      connectTimeoutMs:
        options.connectTimeoutSec === undefined ? undefined : options.connectTimeoutSec * 1000,
    });
  }
  if (options.hyperpod !== undefined) {
    return createHyperPodTransport({ mode: options.interactive ? 'interactive' : 'one-shot', ...aws });
  }
  return new SshTransport({
    configFile: options.sshConfig,
    options: options.sshOptions,
    connectTimeoutSec: options.connectTimeoutSec,
  });
}

// Runs one command line on every node (at most `fanout` at once); one result per node, in order.
// With `script`, its commands instead, in order, each node stopping at its first failure.
export function execOnNodes(
  transport: Transport,
  nodes: readonly NodeTarget[],
  command: string,
  options: FanOutOptions & { script?: readonly string[] | null },
): Promise<NodeResult[]> {
  const runner = options.script ? scriptTransport(transport, options.script) : transport;
  return runOnNodes(runner, nodes, command, options);
}

// The interactive prompt (`hsm exec` without a command); resolves with the exit code.
export function execInteractive(options: Parameters<typeof runInteractive>[0]): Promise<number> {
  return runInteractive(options);
}

// `--test-node ID`: opens one node's session and times one round trip; resolves 0 (ok) or 1.
export function execNodeTest(
  transport: Transport,
  node: NodeTarget,
  options: Parameters<typeof runNodeTest>[2],
): Promise<number> {
  return runNodeTest(transport, node, options);
}

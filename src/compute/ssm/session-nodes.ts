import type { SsmSourceSpec } from '../../config/ssm-source.js';
import { HsmError } from '../../domain/errors.js';
import { buildDefaultHyperPodShellCommand, discoverHyperPodNodes } from '../../remote/hyperpod/index.js';
import type { NodeTarget } from '../../remote/types.js';
import { parseShellCommandTemplate } from '../../remote/shell/index.js';
import { findExecutable } from '../../remote/shell/find-executable.js';

// The nodes of a session source and the command that opens a shell on each: node names and EC2
// instance ids are their own SSM targets; a HyperPod instance group is listed through the AWS CLI
// (its nodes' targets are `sagemaker-cluster:<id>_<group>-<instance>`), running nodes only.

export function defaultShellCommand(spec: SsmSourceSpec, awsCommand?: string): string {
  return buildDefaultHyperPodShellCommand({
    ...(spec.region ? { region: spec.region } : {}),
    ...(spec.profile ? { profile: spec.profile } : {}),
    ...(awsCommand ? { awsCommand } : {}),
  });
}

export async function resolveSessionNodes(spec: SsmSourceSpec, awsCommand?: string): Promise<NodeTarget[]> {
  if (spec.nodes) return spec.nodes.map((name) => ({ name, target: name }));
  const h = spec.hyperpod!;
  const cluster = await discoverHyperPodNodes(h.cluster, {
    ...(spec.region ? { region: spec.region } : {}),
    ...(spec.profile ? { profile: spec.profile } : {}),
    ...(awsCommand ? { awsCommand } : {}),
    ...(h.group ? { instanceGroups: [h.group] } : {}),
  });
  if (cluster.nodes.length === 0) {
    const waiting = cluster.notRunning.map((n) => `${n.instanceId} (${n.status})`).join(', ');
    throw new HsmError(
      'infra',
      `HyperPod cluster "${h.cluster}"${h.group ? `, group "${h.group}",` : ''} has no running node${waiting ? `: ${waiting}` : ''}.`,
      { hint: 'Wait until its nodes are Running (aws sagemaker list-cluster-nodes), or name another group.' },
    );
  }
  return cluster.nodes.map((n) => ({ name: n.name, target: n.target }));
}

/** Refuses a source whose shell command cannot start here (checked before a sweep is created). */
export function checkSessionCommand(spec: SsmSourceSpec): void {
  const template = parseShellCommandTemplate(spec.shellCommand ?? defaultShellCommand(spec));
  const program = template.words[0]!;
  if (program.includes('{') || findExecutable(program, process.env.PATH)) return;
  throw new HsmError(
    'config',
    `Source \`${spec.name}\`: its shell command \`${program}\` was not found on PATH.`,
    {
      evidence: `shell_command: ${template.source}`,
      hint:
        program === 'aws'
          ? 'Install the AWS CLI v2 and the Session Manager plugin, or set `shell_command:` of the source (e.g. "ssh -tt {node}").'
          : 'Install it, give its full path in `shell_command:`, or choose another command that opens a shell on a node.',
    },
  );
}

import { HsmError } from '../domain/errors.js';
import { NodeSet } from '../remote/nodeset/index.js';
import type { ProjectConfig, SourceConfig } from './project-config.js';
import { defaultWorkdir, normalizeWorkdir } from './ssh-source.js';

// One `type: ssm` source of hsm_config.yaml, typed: nodes reached only through an interactive shell
// (AWS Systems Manager sessions by default, or any `shell_command:` that opens a shell on a node).
// Its nodes are a node set or EC2 instance ids (`nodes:`), or the nodes of a SageMaker HyperPod
// instance group (`hyperpod: {cluster, group}`), found when the source starts.

export interface SsmSourceSpec {
  name: string;
  /** Node names (a node set expanded, or instance ids); null with `hyperpod`. */
  nodes: string[] | null;
  hyperpod: { cluster: string; group: string | null } | null;
  /** The template that opens a shell on a node; null: `aws ssm start-session --target {target}`. */
  shellCommand: string | null;
  /** Relative to the login directory ($HOME), or absolute. */
  workdir: string;
  workdirDisplay: string;
  region: string | null;
  profile: string | null;
  /** Session starts per second across the source's nodes. */
  sessionRate: number;
  /** `s3://bucket[/prefix]`: large pushes go through S3 (`aws s3 cp` on both ends); null: the session. */
  s3Staging: string | null;
  raw: SourceConfig;
}

export const EC2_INSTANCE_ID = /^(?:mi|i)-[0-9a-f]{8,17}$/;
const DEFAULT_SESSION_RATE = 3;
/** s3://bucket[/prefix]: S3's bucket naming rules, a prefix without spaces or shell syntax. */
const S3_URL = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9_./=-]*)?$/;

/** Why a `type: ssm` entry cannot work (checked while hsm_config.yaml is read), or null. */
export function ssmSourceProblem(source: SourceConfig): { message: string; hint: string } | null {
  const example =
    'e.g. {type: ssm, nodes: "gpu[01-04]", shell_command: "ssh -tt {node}"}, {type: ssm, nodes: [i-0abc1234def567890]} or {type: ssm, hyperpod: {cluster: my-cluster, group: workers}}';
  const hasNodes = source.nodes !== undefined;
  const hasHyperpod = source.hyperpod !== undefined;
  if (hasNodes === hasHyperpod)
    return {
      message: hasNodes ? 'has both `nodes` and `hyperpod`' : 'has neither `nodes` nor `hyperpod`',
      hint: `Give exactly one: the nodes (a node set or EC2 instance ids) or a HyperPod instance group, ${example}.`,
    };
  if (hasNodes) {
    const list = Array.isArray(source.nodes) ? source.nodes.map(String) : [String(source.nodes)];
    for (const item of list) {
      if (EC2_INSTANCE_ID.test(item)) continue;
      try {
        if (NodeSet.parse(item, () => NodeSet.empty()).toArray().length === 0) throw new Error('empty');
      } catch (err) {
        return {
          message: `\`nodes\`: ${err instanceof HsmError ? err.message.replace(/\.$/, '') : `${JSON.stringify(item)} names no node`}`,
          hint: 'Write a node set (`gpu[01-04]`) or a list of EC2 instance ids (`i-0abc1234def567890`).',
        };
      }
    }
  }
  if (hasHyperpod) {
    const h = source.hyperpod as Record<string, unknown> | null;
    const ok =
      h !== null &&
      typeof h === 'object' &&
      !Array.isArray(h) &&
      typeof h.cluster === 'string' &&
      h.cluster !== '' &&
      (h.group === undefined || typeof h.group === 'string') &&
      Object.keys(h).every((k) => k === 'cluster' || k === 'group');
    if (!ok)
      return {
        message: '`hyperpod` must be a mapping with `cluster` (and optionally `group`)',
        hint: 'e.g. hyperpod: {cluster: my-cluster, group: workers}.',
      };
  }
  const staging = source.s3_staging;
  if (staging !== undefined && (typeof staging !== 'string' || !S3_URL.test(staging)))
    return {
      message: `\`s3_staging\` ${JSON.stringify(staging)} is not an S3 location`,
      hint: 'Write s3://BUCKET or s3://BUCKET/PREFIX (a bucket both this machine and the nodes may write to and read from), or remove `s3_staging:`.',
    };
  const template = source.shell_command;
  if (typeof template === 'string' && !/\{(node|target)\}/.test(template) && nodeCountHint(source) !== 1)
    return {
      message: `\`shell_command\` \`${template}\` names no node, so every node would open the same shell`,
      hint: "Put {node} (or {target}) where the node goes, e.g. shell_command: 'ssh -tt {node}'.",
    };
  return null;
}

function nodeCountHint(source: SourceConfig): number | null {
  if (source.hyperpod !== undefined) return null;
  const list = Array.isArray(source.nodes) ? source.nodes.map(String) : [String(source.nodes)];
  try {
    return list.reduce(
      (n, item) => n + (EC2_INSTANCE_ID.test(item) ? 1 : NodeSet.parse(item).toArray().length),
      0,
    );
  } catch {
    return null;
  }
}

export function readSsmSource(config: ProjectConfig, name: string): SsmSourceSpec {
  const source = config.sources[name];
  if (!source || source.type !== 'ssm')
    throw new HsmError('config', `Source \`${name}\` is not a \`type: ssm\` source.`);
  const problem = ssmSourceProblem(source);
  if (problem)
    throw new HsmError('config', `Source \`${name}\` (ssm) ${problem.message}.`, { hint: problem.hint });
  const str = (v: unknown): string | null =>
    typeof v === 'string' || typeof v === 'number' ? String(v) : null;
  let nodes: string[] | null = null;
  if (source.nodes !== undefined) {
    const list = Array.isArray(source.nodes) ? source.nodes.map(String) : [String(source.nodes)];
    nodes = [
      ...new Set(
        list.flatMap((item) => (EC2_INSTANCE_ID.test(item) ? [item] : NodeSet.parse(item).toArray())),
      ),
    ];
  }
  const h = source.hyperpod as { cluster: string; group?: string } | undefined;
  const written = str(source.workdir) ?? defaultWorkdir(config.projectRoot);
  const rate =
    typeof source.session_rate === 'number' && source.session_rate > 0
      ? source.session_rate
      : DEFAULT_SESSION_RATE;
  return {
    name,
    nodes,
    hyperpod: h ? { cluster: h.cluster, group: h.group ?? null } : null,
    shellCommand: str(source.shell_command),
    workdir: normalizeWorkdir(name, written),
    workdirDisplay: written,
    region: str(source.region),
    profile: str(source.profile),
    sessionRate: rate,
    s3Staging: typeof source.s3_staging === 'string' ? source.s3_staging : null,
    raw: source,
  };
}

import { isMap, type Node } from 'yaml';
import type { YamlContext } from '../sweep/yaml-context.js';
import type { ExecCommandConfig } from './project-config.js';
import { checkNodeSet, entries, namedEntries, readDuration, readLines, readString } from './yaml-fields.js';

// The `commands:` map of hsm_config.yaml: named commands for `hsm exec @NAME`.
//   commands:
//     uptime: uptime                  # short form: one command line, nodes from the command line
//     gpu-check:
//       nodes: "@gpu"                 # a node set; -w / -g / --hosts-file / --slurm override it
//       run:                          # one command line, or several run in order: a node stops
//         - nvidia-smi -L             # at its first failure (as with --script)
//         - nvidia-smi -q -d ECC | grep -i 'volatile' -A3
//       timeout: 30s                  # per command; -t overrides it

const COMMAND_KEYS = ['nodes', 'run', 'timeout'];

export function readExecCommands(ctx: YamlContext, node: unknown): Record<string, ExecCommandConfig> {
  const out: Record<string, ExecCommandConfig> = {};
  for (const [name, pair] of namedEntries(ctx, node, 'command', ' (run it as `hsm exec @NAME`)')) {
    const body = ctx.resolve(pair.value);
    if (!isMap(body)) {
      const run = readRun(ctx, body, name, pair.key as Node);
      if (run) out[name] = { nodes: null, run, timeout: null };
      continue;
    }
    const fields = entries(ctx, body, COMMAND_KEYS);
    if (!fields.has('run')) {
      ctx.report(
        'error',
        pair.key as Node,
        `command \`${name}\` has no \`run\``,
        `e.g. ${name}: {nodes: "node[01-16]", run: "nvidia-smi -L"}`,
      );
      continue;
    }
    const run = readRun(ctx, ctx.resolve(fields.get('run')!.value), name, pair.key as Node);
    const nodesAt = fields.get('nodes')?.value;
    let nodes = nodesAt === undefined ? null : (readString(ctx, nodesAt, 'nodes')?.trim() ?? null);
    if (nodes && !checkNodeSet(ctx, ctx.resolve(nodesAt), nodes, `command \`${name}\`: \`nodes\``))
      nodes = null;
    const timeout = fields.has('timeout') ? readDuration(ctx, fields.get('timeout')!.value, 'timeout') : null;
    if (run) out[name] = { nodes: nodes || null, run, timeout };
  }
  return out;
}

// `run:` — a command line, or a non-empty list of them.
function readRun(ctx: YamlContext, body: Node | null, name: string, at: Node): string[] | null {
  const lines = readLines(ctx, body);
  if (lines) return lines;
  ctx.report(
    'error',
    body ?? at,
    `command \`${name}\` must run a command line or a list of them`,
    `e.g. ${name}: "df -h /scratch", or run: ["nvidia-smi -L", "df -h /scratch"]`,
  );
  return null;
}

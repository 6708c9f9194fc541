import { isAbsolute, relative, resolve } from 'node:path';
import { isMap, isSeq, type Node } from 'yaml';
import { suggestNearest } from '../sweep/diagnostic.js';
import { YamlContext } from '../sweep/yaml-context.js';
import {
  buildDefaultConfig,
  SOURCE_TYPES,
  type ProjectConfig,
  type SourceConfig,
  type SourceType,
} from './project-config.js';
import { readExecCommands } from './exec-commands.js';
import { readRetryPolicy } from './retry-config.js';
import { KNOWN_SOURCE_FIELDS, UNHONOURED_SOURCE_FIELDS, checkSourceField } from './source-fields.js';
import { ssmSourceProblem } from './ssm-source.js';
import {
  checkNodeSet,
  entries,
  namedEntries,
  readDuration,
  readInt,
  readLines,
  readString,
} from './yaml-fields.js';

// hsm_config.yaml text -> ProjectConfig, with each problem at file:line:col. Pure (path
// arithmetic only); find-project-config.ts reads the file.

const TOP_KEYS = ['project', 'defaults', 'sources', 'groups', 'commands', 'retry'];
const PROJECT_KEYS = ['root', 'python_interpreter', 'training_script', 'conda_env', 'venv'];
const DEFAULT_KEYS = ['jobs', 'retries', 'timeout', 'output_dir', 'sweep_file', 'on_interrupt'];
const ON_INTERRUPT = ['ask', 'cancel', 'leave'] as const;

export interface ParseConfigInput {
  text: string;
  /** Absolute path of the file. */
  file: string;
  displayFile: string;
  /** The project root when `project.root` is not set. */
  defaultRoot: string;
  homeDir: string;
}

export function parseProjectConfigText(input: ParseConfigInput): { config: ProjectConfig; ctx: YamlContext } {
  const ctx = new YamlContext(input.text, input.displayFile);
  const configDir = resolve(input.file, '..');
  const config = buildDefaultConfig(input.defaultRoot);
  config.file = input.file;
  const root = ctx.resolve(ctx.doc.contents);
  if (ctx.diagnostics.some((d) => d.severity === 'error') || root === null) return { config, ctx };
  if (!isMap(root)) {
    ctx.report(
      'error',
      root,
      'the top level of hsm_config.yaml must be a mapping (project, defaults, sources, groups)',
    );
    return { config, ctx };
  }
  const path = (node: unknown, what: string): string | null => {
    const v = readString(ctx, node, what);
    if (v === null) return null;
    return resolve(configDir, v === '~' || v.startsWith('~/') ? input.homeDir + v.slice(1) : v);
  };
  // a key hsm does not read is refused like a source's unknown field: a typo (`defualts:`) would
  // otherwise run with every default
  const top = entries(ctx, root, TOP_KEYS);
  const project = top.get('project');
  if (project) {
    const p = entries(ctx, project.value, PROJECT_KEYS);
    const rootPath = p.has('root') ? path(p.get('root')!.value, 'project.root') : null;
    if (rootPath) config.projectRoot = config.project.root = rootPath;
    const interpreter = p.has('python_interpreter')
      ? readString(ctx, p.get('python_interpreter')!.value, 'python_interpreter')
      : null;
    if (interpreter !== null)
      config.project.python_interpreter = interpreter.includes('/')
        ? path(p.get('python_interpreter')!.value, '')
        : interpreter;
    if (p.has('training_script'))
      config.project.training_script = path(p.get('training_script')!.value, 'training_script');
    if (p.has('conda_env'))
      config.project.conda_env = readString(ctx, p.get('conda_env')!.value, 'conda_env');
    if (p.has('venv')) config.project.venv = path(p.get('venv')!.value, 'venv');
  }
  const defaults = top.get('defaults');
  if (defaults) {
    const d = entries(ctx, defaults.value, DEFAULT_KEYS);
    if (d.has('jobs')) config.defaults.jobs = readInt(ctx, d.get('jobs')!.value, 'jobs', 1);
    if (d.has('retries')) config.defaults.retries = readInt(ctx, d.get('retries')!.value, 'retries', 0);
    if (d.has('timeout')) config.defaults.timeout = readDuration(ctx, d.get('timeout')!.value, 'timeout');
    if (d.has('on_interrupt')) {
      const node = d.get('on_interrupt')!.value;
      const v = readString(ctx, node, 'on_interrupt');
      const known = ON_INTERRUPT.find((o) => o === v);
      if (known) config.defaults.on_interrupt = known;
      else if (v !== null)
        ctx.report(
          'error',
          ctx.resolve(node),
          `\`on_interrupt\` must be ask, cancel or leave, got ${JSON.stringify(v)}`,
        );
    }
    const fromRoot = (abs: string | null, fallback: string) =>
      abs === null ? fallback : relativeToRoot(config.projectRoot, abs);
    if (d.has('output_dir'))
      config.defaults.output_dir = fromRoot(
        path(d.get('output_dir')!.value, 'output_dir'),
        config.defaults.output_dir,
      );
    if (d.has('sweep_file'))
      config.defaults.sweep_file = fromRoot(
        path(d.get('sweep_file')!.value, 'sweep_file'),
        config.defaults.sweep_file,
      );
  }
  if (top.has('sources')) config.sources = readSources(ctx, top.get('sources')!.value);
  if (top.has('groups')) config.groups = readGroups(ctx, top.get('groups')!.value);
  if (top.has('commands')) config.commands = readExecCommands(ctx, top.get('commands')!.value);
  if (top.has('retry')) config.retry = readRetryPolicy(ctx, top.get('retry')!.value);
  return { config, ctx };
}

// A path relative to the project root when inside it (so `join(root, p)` and `resolve(root, p)`
// both work), else absolute.
function relativeToRoot(root: string, abs: string): string {
  const rel = relative(root, abs);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
}

function readSources(ctx: YamlContext, node: unknown): Record<string, SourceConfig> {
  const out: Record<string, SourceConfig> = {};
  for (const [name, pair] of namedEntries(ctx, node, 'source')) {
    const body = ctx.resolve(pair.value);
    if (!isMap(body)) {
      ctx.report(
        'error',
        body ?? (pair.key as Node),
        `source \`${name}\` must be a mapping with a \`type\``,
        `e.g. ${name}: {type: ssh, host: ${name}}`,
      );
      continue;
    }
    const fields = entries(ctx, body, []);
    const typePair = fields.get('type');
    const type = typePair ? ctx.toValue(typePair.value) : null;
    if (typeof type !== 'string' || !(SOURCE_TYPES as readonly string[]).includes(type)) {
      const near = typeof type === 'string' ? suggestNearest(type, SOURCE_TYPES) : undefined;
      ctx.report(
        'error',
        (typePair?.value as Node | undefined) ?? (pair.key as Node),
        typePair
          ? `source \`${name}\` has type ${JSON.stringify(type)}${near ? `; did you mean \`${near}\`?` : ''}`
          : `source \`${name}\` has no \`type\``,
        `type is one of ${SOURCE_TYPES.join(', ')}`,
      );
      continue;
    }
    const source: SourceConfig = { type: type as SourceType };
    for (const [field, fieldPair] of fields) {
      if (field === 'type') continue;
      const valueNode = ctx.resolve(fieldPair.value);
      const value = ctx.toValue(valueNode);
      const known = KNOWN_SOURCE_FIELDS[type as SourceType];
      if (!Object.hasOwn(known, field)) {
        // a setting hsm accepts, it honours: a field no source of this type reads is refused
        const honoured = Object.keys(known).filter(
          (f) => UNHONOURED_SOURCE_FIELDS[type as SourceType]?.[f] === undefined,
        );
        const near = suggestNearest(field, honoured);
        ctx.report(
          'error',
          fieldPair.key as Node,
          `source \`${name}\` (${type}) has an unknown field \`${field}\`${near ? `; did you mean \`${near}\`?` : ''}`,
          `fields of type ${type}: type, ${honoured.join(', ')} (docs/CLI.md)`,
        );
        continue;
      }
      const refused = UNHONOURED_SOURCE_FIELDS[type as SourceType]?.[field];
      if (refused !== undefined) {
        ctx.report(
          'error',
          fieldPair.key as Node,
          `source \`${name}\` (${type}): \`${field}\` is not supported`,
          refused,
        );
        continue;
      }
      const problem = checkSourceField(known[field]!, value);
      if (problem)
        ctx.report(
          'error',
          valueNode,
          `source \`${name}\`: \`${field}\` ${problem}, got ${JSON.stringify(value)}`,
        );
      else source[field] = value;
    }
    if (type === 'ssh' && typeof source.host !== 'string') {
      ctx.report(
        'error',
        pair.key as Node,
        `source \`${name}\` (ssh) has no \`host\``,
        `e.g. ${name}: {type: ssh, host: gpubox, workdir: ~/hsm/myproj}`,
      );
    }
    if ((type === 'slurm' || type === 'pbs') && source.workdir !== undefined && source.host === undefined) {
      ctx.report(
        'error',
        pair.key as Node,
        `source \`${name}\` (${type}) has a \`workdir\` but no \`host\``,
        `the project is synced to \`workdir:\` through the cluster's login node: name it with \`host:\` (without both, the project and the sweep directory are on a filesystem this machine and the cluster share)`,
      );
    }
    if (
      (type === 'slurm' || type === 'pbs') &&
      source.clean_remote === true &&
      (source.workdir === undefined || source.host === undefined)
    ) {
      ctx.report(
        'error',
        pair.key as Node,
        `source \`${name}\` (${type}) has \`clean_remote\` but no copy on the cluster to clean`,
        `\`clean_remote: true\` removes the cluster's copy of a sweep (with \`host:\` and \`workdir:\`, no shared filesystem) once its tasks' records are back; on a shared filesystem the sweep directory is the one this machine reads: remove the line`,
      );
    }
    const ssmProblem = type === 'ssm' ? ssmSourceProblem(source) : null;
    if (ssmProblem)
      ctx.report(
        'error',
        pair.key as Node,
        `source \`${name}\` (ssm) ${ssmProblem.message}`,
        ssmProblem.hint,
      );
    out[name] = source;
  }
  return out;
}

function readGroups(ctx: YamlContext, node: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, pair] of entries(ctx, node, [])) {
    const body = ctx.resolve(pair.value);
    const sets = readLines(ctx, body);
    if (sets === null) {
      ctx.report(
        'error',
        body ?? (pair.key as Node),
        `group \`${name}\` must be a node set (\`node[01-16]\`) or a list of them`,
      );
      continue;
    }
    const at = (i: number) => (isSeq(body) ? ctx.resolve(body.items[i]) : body);
    if (sets.every((set, i) => checkNodeSet(ctx, at(i), set, `group \`${name}\``))) out[name] = sets;
  }
  return out;
}

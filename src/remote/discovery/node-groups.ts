import { HsmError } from '../../domain/errors.js';
import { loadProjectConfig, type ProjectConfig } from '../../config/index.js';
import { NodeSet } from '../nodeset/index.js';

// Node groups: named node sets from the `groups:` map of hsm_config.yaml, e.g.
//   groups:
//     gpu: ["gpu[01-08]"]
//     login: [login1, login2]
// used as `-g gpu,login` or as `@gpu` inside any node set (`-w '@gpu!gpu03'`, as clush does).
// A group may name other groups (`all: ["@gpu", "@login"]`).

// A resolver for `@name` terms that reads hsm_config.yaml once, when a group is first named.
export function nodeGroupResolver(cwd: string): (name: string) => NodeSet {
  let config: Pick<ProjectConfig, 'groups' | 'file'> | undefined;
  return (name) => {
    config ??= loadProjectConfig(cwd);
    return expandGroups(name, config.groups, config.file);
  };
}

// `-g GROUP[,GROUP]`: the nodes of these groups of the project's hsm_config.yaml.
export function resolveNodeGroups(groupNames: string, cwd: string): NodeSet {
  const config = loadProjectConfig(cwd);
  return expandGroups(groupNames, config.groups, config.file);
}

// Expands group names (comma-separated) against a groups map; an unknown group is a usage error
// listing the known ones, a group that names itself (directly or not) a config error.
export function expandGroups(
  groupNames: string,
  groups: Record<string, string[]>,
  file: string | null,
  resolving: readonly string[] = [],
): NodeSet {
  let out = NodeSet.empty();
  for (const name of groupNames
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean)) {
    const members = groups[name];
    if (!members) {
      const known = Object.keys(groups);
      throw new HsmError(
        'usage',
        `Unknown node group \`${name}\`${file ? ` (not in the groups: of ${file})` : ' (no hsm_config.yaml found)'}.`,
        {
          hint: known.length
            ? `Known groups: ${known.join(', ')}.`
            : 'Define it in hsm_config.yaml, e.g.\n  groups:\n    ' + `${name}: ["node[01-16]"]`,
        },
      );
    }
    if (resolving.includes(name)) {
      throw new HsmError(
        'config',
        `Node group \`${name}\`${file ? ` in ${file}` : ''} contains itself: ${[...resolving, name].map((g) => `@${g}`).join(' -> ')}.`,
        {
          hint: 'Name nodes, or other groups, in a group; not the group itself.',
          details: { nodeGroup: name },
        },
      );
    }
    const inner = (g: string) => expandGroups(g, groups, file, [...resolving, name]);
    for (const expression of members) {
      try {
        out = out.union(NodeSet.parse(expression, inner));
      } catch (err) {
        // an error of a group named inside this one already says where it is
        if (!(err instanceof HsmError) || err.code === 'usage' || err.details.nodeGroup !== undefined)
          throw err;
        throw new HsmError('config', `Group \`${name}\`${file ? ` in ${file}` : ''}: ${err.message}`, {
          evidence: err.evidence,
          hint: err.hint,
          details: { nodeGroup: name },
        });
      }
    }
  }
  return out;
}

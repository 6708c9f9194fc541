import { HsmError } from '../../domain/errors.js';
import { loadProjectConfig } from '../../config/index.js';
import { expandNodeSet } from '../nodeset/index.js';

// `-g GROUP`: named node sets from the `groups:` map of hsm_config.yaml, e.g.
//   groups:
//     gpu: ["gpu[01-08]"]
//     login: [login1, login2]

// Expands groups (comma-separated names allowed) from the project's hsm_config.yaml.
export function resolveNodeGroups(groupNames: string, cwd: string): string[] {
  const config = loadProjectConfig(cwd);
  return expandGroups(groupNames, config.groups, config.file);
}

// Expands group names against a groups map; an unknown group is a usage error listing the known ones.
export function expandGroups(
  groupNames: string,
  groups: Record<string, string[]>,
  file: string | null,
): string[] {
  const out = new Set<string>();
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
    for (const expression of members) {
      try {
        for (const n of expandNodeSet(expression)) out.add(n);
      } catch (err) {
        const e = err as HsmError;
        throw new HsmError('config', `Group \`${name}\`${file ? ` in ${file}` : ''}: ${e.message}`, {
          evidence: e.evidence,
          hint: e.hint,
        });
      }
    }
  }
  return [...out];
}

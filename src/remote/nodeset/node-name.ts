// A node name as ClusterShell sees it: a pattern (the text around its numbers) and a tuple of
// indexes (its runs of digits, as written): `rack1-node07` is pattern `rack%s-node%s` with indexes
// `1` and `07`.

// `rack1-node07` -> literals `rack`, `-node`, `` and indexes `1`, `07` (one more literal than
// indexes).
export function splitNodeName(name: string): { literals: string[]; indexes: string[] } {
  const parts = name.split(/(\d+)/);
  return {
    literals: parts.filter((_, i) => i % 2 === 0),
    indexes: parts.filter((_, i) => i % 2 === 1),
  };
}

// ClusterShell's pattern text (`rack%s-node%s`, a `%` of a name escaped as `%%`): patterns sort
// by it.
export function patternKey(literals: readonly string[]): string {
  return literals.map((l) => l.replaceAll('%', '%%')).join('%s');
}

// The name of a pattern's literals and indexes (or folded axis texts).
export function joinNodeName(literals: readonly string[], indexes: readonly string[]): string {
  let name = literals[0]!;
  for (let i = 0; i < indexes.length; i++) name += indexes[i]! + literals[i + 1]!;
  return name;
}

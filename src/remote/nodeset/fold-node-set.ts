import { NodeSet } from './node-set.js';

// The two conversions most callers need, as `nodeset -e` and `nodeset -f` do them.

// Expands a node set expression into node names, sorted as ClusterShell sorts them; throws a
// `config` HsmError pointing at the offending part of a malformed expression.
export function expandNodeSet(expression: string): string[] {
  return NodeSet.parse(expression).toArray();
}

// Folds node names into the shortest ClusterShell expression, as `clush -b` prints node groups:
// node01 node02 node03 node05 -> `node[01-03,05]`; `rack1-n1 rack1-n2 rack2-n1 rack2-n2` ->
// `rack[1-2]-n[1-2]`. Order and duplicates do not matter; expanding the result gives the names back.
export function foldNodeSet(names: Iterable<string>): string {
  return NodeSet.of(names).toString();
}

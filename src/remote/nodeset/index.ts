// Node sets in ClusterShell syntax: parse (`node[01-16,20]`, `a!b`, `a&b`, `a^b`), iterate sorted,
// fold back as `nodeset -f` does.
export { NodeSet } from './node-set.js';
export { expandNodeSet, foldNodeSet } from './fold-node-set.js';
export { MAX_NODES } from './parse-node-set.js';

// Node sets in ClusterShell syntax: parse (`node[01-16,20]`), iterate, exclude, fold back.
export { NodeSet } from './node-set.js';
export { expandNodeSet } from './parse-node-set.js';
export { foldNodeSet } from './fold-node-set.js';

import { expandNodeSet } from './parse-node-set.js';
import { foldNodeSet } from './fold-node-set.js';

// An ordered set of node names that parses, iterates and folds like ClusterShell's NodeSet:
// `NodeSet.parse('node[01-03,05]')` iterates node01 node02 node03 node05, `String(set)` folds back.
export class NodeSet implements Iterable<string> {
  private readonly names: string[];

  private constructor(names: Iterable<string>) {
    this.names = [...new Set(names)];
  }

  // Parses a node set expression; throws a `config` HsmError pointing at the offending part.
  static parse(expression: string): NodeSet {
    return new NodeSet(expandNodeSet(expression));
  }

  // A node set of these exact names (no syntax is interpreted).
  static of(names: Iterable<string>): NodeSet {
    return new NodeSet(names);
  }

  get size(): number {
    return this.names.length;
  }

  has(name: string): boolean {
    return this.names.includes(name);
  }

  // Union, keeping this set's order first.
  union(other: Iterable<string>): NodeSet {
    return new NodeSet([...this.names, ...other]);
  }

  // The names of this set that are not in `other` (clush -x).
  difference(other: Iterable<string>): NodeSet {
    const drop = new Set(other);
    return new NodeSet(this.names.filter((n) => !drop.has(n)));
  }

  [Symbol.iterator](): Iterator<string> {
    return this.names[Symbol.iterator]();
  }

  toArray(): string[] {
    return [...this.names];
  }

  // The folded expression (`node[01-03,05]`).
  toString(): string {
    return foldNodeSet(this.names);
  }
}

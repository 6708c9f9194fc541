import { HsmError } from '../../domain/errors.js';
import { foldVectors } from './fold-vectors.js';
import { foldIndexes, sortIndexes } from './node-index.js';
import { joinNodeName, patternKey, splitNodeName } from './node-name.js';
import { parseNodeSetTerms, type GroupTerm } from './parse-node-set.js';

// A set of node names that parses, iterates and folds like ClusterShell's NodeSet. A name is a
// pattern (its text around the numbers) and a tuple of indexes (its numbers, as written):
// `rack1-node07` is pattern `rack%s-node%s` with indexes (`1`, `07`). Names iterate sorted as
// `nodeset -e` prints them (patterns in text order, then indexes numerically, padding kept) and
// `String(set)` folds them as `nodeset -f` does. Sets are immutable.

/** The nodes of one pattern. `literals` surround the indexes (one more literal than indexes). */
interface PatternNodes {
  literals: readonly string[];
  /** The nodes as one cartesian product of sorted, distinct axes, when they are one (a bracket
   * term as written): it folds and expands without enumerating tuples. */
  box?: readonly (readonly string[])[];
  /** Index tuples by their text (`1,07`); one empty tuple for a name without numbers. Built from
   * `box` when first needed. */
  tuples?: Map<string, readonly string[]>;
}

type Patterns = Map<string, PatternNodes>;

function tuplesOf(p: PatternNodes): Map<string, readonly string[]> {
  if (!p.tuples) {
    p.tuples = new Map();
    for (const t of product(p.box!)) p.tuples.set(t.join(','), t);
  }
  return p.tuples;
}

function sizeOf(p: PatternNodes): number {
  return p.box ? p.box.reduce((n, a) => n * a.length, 1) : p.tuples!.size;
}

export class NodeSet implements Iterable<string> {
  private readonly patterns: Patterns;
  private folded: { text: string; names: string[] } | undefined;

  private constructor(patterns: Patterns) {
    this.patterns = patterns;
  }

  static empty(): NodeSet {
    return new NodeSet(new Map());
  }

  // The nodes of one bracket term: literals around axes of indexes (their cartesian product).
  static product(literals: readonly string[], axes: readonly (readonly string[])[]): NodeSet {
    const box = axes.map((a) => sortIndexes(a));
    if (box.some((a) => a.length === 0)) return NodeSet.empty();
    return new NodeSet(new Map([[patternKey(literals), { literals, box }]]));
  }

  // A node set of these exact names (no syntax is interpreted).
  static of(names: Iterable<string> | NodeSet): NodeSet {
    if (names instanceof NodeSet) return names;
    const patterns: Patterns = new Map();
    for (const name of names) {
      const { literals, indexes } = splitNodeName(name);
      const key = patternKey(literals);
      let tuples = patterns.get(key)?.tuples;
      if (!tuples) patterns.set(key, { literals, tuples: (tuples = new Map()) });
      tuples.set(indexes.join(','), indexes);
    }
    return new NodeSet(patterns);
  }

  // Parses a node set expression (`node[01-16]!node05`, operators applied left to right as
  // ClusterShell does); throws a `config` HsmError pointing at the offending part. `@name` terms
  // are node groups, resolved by `groups` (an error without it).
  static parse(expression: string, groups?: (name: string) => NodeSet): NodeSet {
    let set = NodeSet.empty();
    for (const term of parseNodeSetTerms(expression)) {
      const operand =
        'groups' in term ? resolveGroup(expression, term, groups) : NodeSet.product(term.literals, term.axes);
      if (term.op === ',') set = set.union(operand);
      else if (term.op === '!') set = set.difference(operand);
      else if (term.op === '&') set = set.intersection(operand);
      else set = set.symmetricDifference(operand);
    }
    return set;
  }

  get size(): number {
    let n = 0;
    for (const p of this.patterns.values()) n += sizeOf(p);
    return n;
  }

  has(name: string): boolean {
    const { literals, indexes } = splitNodeName(name);
    const p = this.patterns.get(patternKey(literals));
    return p !== undefined && tuplesOf(p).has(indexes.join(','));
  }

  // `a,b`: the nodes of either set.
  union(other: Iterable<string> | NodeSet): NodeSet {
    const result = new Map(this.patterns);
    for (const [key, p] of NodeSet.of(other).patterns) {
      const mine = result.get(key);
      result.set(
        key,
        mine ? { literals: p.literals, tuples: new Map([...tuplesOf(mine), ...tuplesOf(p)]) } : p,
      );
    }
    return new NodeSet(result);
  }

  // `a!b`: the nodes of this set that are not in `other` (clush -x).
  difference(other: Iterable<string> | NodeSet): NodeSet {
    const drop = NodeSet.of(other).patterns;
    return this.filter(drop, false);
  }

  // `a&b`: the nodes in both sets.
  intersection(other: Iterable<string> | NodeSet): NodeSet {
    return this.filter(NodeSet.of(other).patterns, true);
  }

  // `a^b`: the nodes in exactly one of the sets.
  symmetricDifference(other: Iterable<string> | NodeSet): NodeSet {
    const o = NodeSet.of(other);
    return this.difference(o).union(o.difference(this));
  }

  // The nodes of this set that are (`inOther`) or are not in `other`.
  private filter(other: Patterns, inOther: boolean): NodeSet {
    const result: Patterns = new Map();
    for (const [key, p] of this.patterns) {
      const o = other.get(key);
      if (!o) {
        if (!inOther) result.set(key, p); // shared, as sets are immutable
        continue;
      }
      const otherTuples = tuplesOf(o);
      const tuples = new Map([...tuplesOf(p)].filter(([k]) => otherTuples.has(k) === inOther));
      if (tuples.size > 0) result.set(key, { literals: p.literals, tuples });
    }
    return new NodeSet(result);
  }

  [Symbol.iterator](): Iterator<string> {
    return this.fold().names[Symbol.iterator]();
  }

  toArray(): string[] {
    return [...this.fold().names];
  }

  // The folded expression (`node[01-03,05]`), as `nodeset -f` prints it.
  toString(): string {
    return this.fold().text;
  }

  // Folds every pattern once: the folded terms and, in the same order, the names they expand to.
  private fold(): { text: string; names: string[] } {
    if (this.folded) return this.folded;
    const terms: string[] = [];
    const names: string[] = [];
    const keys = [...this.patterns.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const key of keys) {
      const p = this.patterns.get(key)!;
      const { literals } = p;
      const vectors = p.box ? [p.box] : foldVectors([...p.tuples!.values()], literals.length - 1);
      for (const axes of vectors) {
        const axisTexts = axes.map((a) => (a.length > 1 ? `[${foldIndexes(a)}]` : a[0]!));
        terms.push(joinNodeName(literals, axisTexts));
        expandInto(names, literals, axes);
      }
    }
    this.folded = { text: terms.join(','), names };
    return this.folded;
  }
}

// Appends the names of a product to `names`, the first axis varying slowest.
function expandInto(
  names: string[],
  literals: readonly string[],
  axes: readonly (readonly string[])[],
): void {
  const walk = (prefix: string, d: number): void => {
    if (d === axes.length) {
      names.push(prefix);
      return;
    }
    const literal = literals[d + 1]!;
    for (const idx of axes[d]!) walk(prefix + idx + literal, d + 1);
  };
  walk(literals[0]!, 0);
}

// The cartesian product of axes, the first axis varying slowest.
function product(axes: readonly (readonly string[])[]): string[][] {
  let tuples: string[][] = [[]];
  for (const axis of axes) tuples = tuples.flatMap((t) => axis.map((i) => [...t, i]));
  return tuples;
}

function resolveGroup(expression: string, term: GroupTerm, groups?: (name: string) => NodeSet): NodeSet {
  if (groups) return term.groups.reduce((set, name) => set.union(groups(name)), NodeSet.empty());
  throw new HsmError(
    'config',
    `Invalid node set \`${expression}\`: node group \`@${term.groups.join(',@')}\` at column ${term.offset + 1}, where no groups are defined.`,
    {
      evidence: `${expression}\n${' '.repeat(term.offset)}^`,
      hint: 'Define node groups in the groups: map of hsm_config.yaml, or write the nodes themselves.',
    },
  );
}

import { compareIndexes, sortIndexes } from './node-index.js';

// Folding of multi-dimensional node names (`rack1-node01`: indexes `1` and `01`) into as few
// bracket terms as possible, giving what ClusterShell 1.9 gives (RangeSetND): a set that is a full
// cartesian product is one term (`x-[025-028]-[11-22,025]`); any other set goes through
// ClusterShell's greedy merge (expand to points, sort, merge vectors differing on one axis), so
// `nodeset -f` and hsm print the same terms in the same order, and expand in that order too.

/** One axis of a vector: its indexes, sorted (node-index order), and the same as a set. */
interface Axis {
  items: string[];
  set: Set<string>;
}

/** A product of axes: `[1-2]` x `[01,05]`. */
type Vector = Axis[];

const axisOf = (items: string[]): Axis => ({ items, set: new Set(items) });

// Folds index tuples (each of `dims` indexes, without duplicates) into vectors, each a list of
// sorted index lists, in ClusterShell's order.
export function foldVectors(points: readonly (readonly string[])[], dims: number): string[][][] {
  if (points.length === 0) return [];
  const projections = Array.from({ length: dims }, () => new Set<string>());
  for (const p of points) p.forEach((idx, d) => projections[d]!.add(idx));
  const boxSize = projections.reduce((n, s) => n * s.size, 1);
  // a full product (the common case, and every set written with one bracket term) is one vector
  if (boxSize === points.length) return [projections.map((s) => sortIndexes(s))];
  const vectors = mergeVectors(points.map((p) => p.map((idx) => axisOf([idx]))));
  return vectors.map((v) => v.map((a) => a.items));
}

const size = (v: Vector) => v.reduce((n, a) => n * a.items.length, 1);
const strcmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// ClusterShell's vector order: larger vectors first; then, axis by axis, longer axis first, lower
// first index, lower last index (indexes compared as plain strings, as ClusterShell does).
function compareVectors(a: Vector, b: Vector): number {
  const bySize = size(b) - size(a);
  if (bySize !== 0) return bySize;
  for (let d = 0; d < a.length; d++) {
    const x = a[d]!.items;
    const y = b[d]!.items;
    const c = y.length - x.length || strcmp(x[0]!, y[0]!) || strcmp(x[x.length - 1]!, y[y.length - 1]!);
    if (c !== 0) return c;
  }
  return 0;
}

const isSuperset = (a: Axis, b: Axis) =>
  a.items.length >= b.items.length && b.items.every((i) => a.set.has(i));
const intersects = (a: Axis, b: Axis) => a.items.some((i) => b.set.has(i));
const axisUnion = (a: Axis, b: Axis) => axisOf([...a.items, ...b.items].sort(compareIndexes));

// Two vectors as one, when they differ on at most one axis (disjoint there, or one containing
// the other); null otherwise.
function mergePair(v1: Vector, v2: Vector): Vector | null {
  const merged: Vector = [];
  let differences = 0;
  for (let d = 0; d < v1.length; d++) {
    const a = v1[d]!;
    const b = v2[d]!;
    const equal = a.items.length === b.items.length && isSuperset(a, b);
    if (equal) merged.push(a);
    else if (!intersects(a, b)) {
      if (++differences > 1) return null;
      merged.push(axisUnion(a, b));
    } else if (isSuperset(a, b) || isSuperset(b, a)) {
      if (++differences > 1) return null;
      merged.push(isSuperset(b, a) ? b : a);
    } else return null;
  }
  return merged;
}

// ClusterShell's RangeSetND._fold_multivariate_merge: O(n) passes merging neighbours after each
// sort, then full O(n^2) passes until nothing merges. A merged-away vector is left as a hole
// (null) until the next pass rather than spliced out, which is what makes this fast in JavaScript.
function mergeVectors(initial: Vector[]): Vector[] {
  let list: (Vector | null)[] = initial;
  let full = false;
  let changed = true;
  while (changed) {
    changed = false;
    const live = (list.filter((v) => v !== null) as Vector[]).sort(compareVectors);
    list = live;
    const nextLive = (from: number) => {
      let i = from;
      while (i < list.length && list[i] === null) i++;
      return i;
    };
    for (let pos1 = 0; pos1 < list.length; pos1 = nextLive(pos1 + 1)) {
      let item1 = list[pos1]!;
      for (let pos2 = nextLive(pos1 + 1); pos2 < list.length; pos2 = nextLive(pos2 + 1)) {
        const merged = mergePair(item1, list[pos2]!);
        if (merged) {
          changed = true;
          item1 = list[pos1] = merged;
          list[pos2] = null;
        } else if (!full) break;
      }
    }
    if (!changed && !full) changed = full = true;
  }
  return list as Vector[];
}

// Node indexes: the numbers inside node names (`node07` -> `07`), kept as the digit strings
// written, so `7` and `07` are different indexes and zero padding survives every operation.
// Ordering and folding follow ClusterShell 1.9 (RangeSet): shorter strings first, then
// lexicographic (`9 01 09 10 010`); a folded run `a-b` covers consecutive numbers of the same
// padding: a zero-padded run keeps its width (`08-10`), an unpadded one never takes a padded index.

// Sort order of indexes (ClusterShell's `(len(x), x)`).
export function compareIndexes(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

// The distinct indexes, sorted in ClusterShell order (a new array; ranges as written are usually
// sorted already, and a million-index range should not pay for hashing).
export function sortIndexes(indexes: Iterable<string>): string[] {
  const list = [...indexes];
  for (let i = 1; i < list.length; i++) {
    if (compareIndexes(list[i - 1]!, list[i]!) >= 0) {
      list.sort(compareIndexes);
      return list.filter((idx, k) => k === 0 || idx !== list[k - 1]);
    }
  }
  return list;
}

const isPadded = (s: string) => s.length > 1 && s.startsWith('0');

// b is the number after a (digit strings of any length).
function isSuccessor(a: string, b: string): boolean {
  if (a.length <= 15 && b.length <= 15) return Number(b) === Number(a) + 1;
  return BigInt(b) === BigInt(a) + 1n;
}

// Folds sorted indexes into ClusterShell ranges: `['01','02','03','05']` -> `['01-03','05']`.
export function foldIndexRuns(sorted: readonly string[]): string[] {
  const runs: string[] = [];
  let start: string | undefined;
  let last = '';
  for (const idx of sorted) {
    if (start !== undefined) {
      // a padded run continues with indexes of its width (`09`, `10`); an unpadded one with
      // unpadded indexes only
      const samePadding = isPadded(start) ? idx.length === start.length : !isPadded(idx);
      if (samePadding && isSuccessor(last, idx)) {
        last = idx;
        continue;
      }
      runs.push(start === last ? start : `${start}-${last}`);
    }
    start = last = idx;
  }
  if (start !== undefined) runs.push(start === last ? start : `${start}-${last}`);
  return runs;
}

// The bracket text of a set of indexes: `1-3,5` (no brackets).
export function foldIndexes(sorted: readonly string[]): string {
  return foldIndexRuns(sorted).join(',');
}

// Node indexes: the numbers inside node names (`node07` -> `07`), kept as the digit strings
// written, so `7` and `07` are different indexes and zero padding survives every operation.
// Ordering and folding follow ClusterShell 1.9 (RangeSet): shorter strings first, then
// lexicographic (`9 01 09 10 010`); a folded run `a-b` covers consecutive numbers of one padding:
// a zero-padded run keeps its width (`08-10`), an unpadded one never takes a padded index.

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

// b - a for digit strings of any length (exact below 2^53, which is all a step needs).
function difference(a: string, b: string): number {
  if (a.length <= 15 && b.length <= 15) return Number(b) - Number(a);
  return Number(BigInt(b) - BigInt(a));
}

// Folds sorted indexes into ClusterShell ranges: `['01','02','03','05']` -> `['01-03','05']`.
// A transcription of RangeSet._slices_padding without autostep: a run goes on while the step stays
// 1 and the padding matches the run's (a run that started as a break in a stepped sequence keeps
// the padding of that sequence, which is why `09,13-99,100-114` has two runs where the numbers
// are contiguous).
export function foldIndexRuns(sorted: readonly string[]): string[] {
  const runs: string[] = [];
  if (sorted.length === 0) return runs;
  const range = (from: number, to: number) =>
    runs.push(from === to ? sorted[from]! : `${sorted[from]}-${sorted[to]}`);
  const singles = (from: number, to: number) => {
    for (let p = from; p <= to; p++) runs.push(sorted[p]!);
  };
  let start = 0;
  let last = 0;
  let step: number | null = null;
  let padded = isPadded(sorted[0]!);
  let width = sorted[0]!.length;
  for (let i = 1; i < sorted.length; i++) {
    const idx = sorted[i]!;
    const d = difference(sorted[last]!, idx);
    const paddingMismatch = padded ? idx.length !== width : isPadded(idx);
    const stepMismatch: boolean = !paddingMismatch && step !== null && step !== d;
    if (paddingMismatch || stepMismatch) {
      if (step === null || step === 1) {
        range(start, last);
        [start, padded, width] = [i, isPadded(idx), idx.length];
      } else {
        singles(start, paddingMismatch ? last : last - 1);
        if (paddingMismatch) [start, padded, width] = [i, isPadded(idx), idx.length];
        else start = last;
      }
      step = stepMismatch ? d : null;
    } else step = d;
    last = i;
  }
  if (step === null || step === 1) range(start, last);
  else singles(start, last);
  return runs;
}
// The bracket text of a set of indexes: `1-3,5` (no brackets).
export function foldIndexes(sorted: readonly string[]): string {
  return foldIndexRuns(sorted).join(',');
}

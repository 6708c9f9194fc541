import type { ParamValue } from '../domain/params.js';

// The sweep's parameter space as blocks: a grid axis is a block of one key; a paired group is a
// block of several keys whose lists are zipped (row i = the i-th value of each key). Tasks are the
// cartesian product of the blocks, the first block varying slowest (grid blocks come first, in
// YAML order, then paired groups).
export interface SweepBlock {
  kind: 'grid' | 'paired';
  /** The paired group's name (dropped from param keys); null for grid axes. */
  group: string | null;
  keys: string[];
  rows: ParamValue[][];
}

export interface SweepAxes {
  blocks: SweepBlock[];
  /**
   * Numbers written as floats with an integral value (`1.0`, `1e3`) by key: JavaScript has one
   * number type, and Hydra reads `lr=1` as an int but `lr=1.0` as a float, so argv keeps `1.0`.
   */
  integralFloats: Map<string, Set<number>>;
}

export function emptyAxes(): SweepAxes {
  return { blocks: [], integralFloats: new Map() };
}

// Every param key in generation order (the order of keys in each task's params).
export function listAxisKeys(axes: SweepAxes): string[] {
  return axes.blocks.flatMap((b) => b.keys);
}

// The number of tasks: the product of the block lengths, computed without generating anything.
export function countAxisTasks(axes: SweepAxes): number {
  let total = 1;
  for (const block of axes.blocks) total *= block.rows.length;
  return total;
}

// Records that `value` of `key` was written as a float, so it renders as one.
export function noteIntegralFloat(axes: SweepAxes, key: string, value: number): void {
  let set = axes.integralFloats.get(key);
  if (!set) axes.integralFloats.set(key, (set = new Set()));
  set.add(value);
}

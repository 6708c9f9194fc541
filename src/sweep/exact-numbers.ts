import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { isFloatLiteral, type YamlContext } from './yaml-context.js';

// hsm records every parameter as JSON (the store, status --json, show --json, results). JSON has no
// inf or nan, and a JSON number read back is a double, exact for integers up to ±2^53 only. So such a
// value would be recorded as null, or rounded, while the argv carries another text: hsm refuses it.
// Quoted, the same text is a string, recorded and passed exactly as written.

export const INEXACT_HINT =
  "quote it to pass the text as written (e.g. `'inf'`, `'12345678901234567890'`): JSON records it exactly as a string, and your program parses it";

// Why a number cannot be recorded exactly, or null. `spelling` is how it was written; `isFloat` says
// it was written as a float (a float is a double by definition: a large one is fine).
export function inexactNumberProblem(value: number, spelling: string, isFloat: boolean): string | null {
  if (!Number.isFinite(value)) return `${spelling} has no JSON form (it would be recorded as null)`;
  if (!isFloat && Number.isInteger(value) && !Number.isSafeInteger(value))
    return `the integer ${spelling} is beyond ±2^53 (9007199254740991): it would be recorded as ${value}`;
  return null;
}

// The first number inside a YAML value (a scalar, or nested in lists and mappings) that cannot be
// recorded exactly, with the node to point at.
export function findInexactNumber(ctx: YamlContext, node: unknown): { node: Node; problem: string } | null {
  const n = ctx.resolve(node);
  if (n === null) return null;
  if (isScalar(n)) {
    if (typeof n.value !== 'number') return null;
    const spelling = typeof n.source === 'string' ? n.source : String(n.value);
    const problem = inexactNumberProblem(n.value, spelling, isFloatLiteral(n));
    return problem === null ? null : { node: n, problem };
  }
  const children = isSeq(n) ? n.items : isMap(n) ? n.items.map((p) => p.value) : [];
  for (const child of children) {
    const found = findInexactNumber(ctx, child);
    if (found) return found;
  }
  return null;
}

import type { ParamValue } from '../domain/params.js';
import { noteIntegralFloat, type SweepAxes } from './axes.js';
import { canonicalJson } from './canonical-json.js';
import type { Diagnostic } from './diagnostic.js';
import { OverrideSyntaxError, parseOverride } from './override-parser.js';
import { inexactNumberProblem, INEXACT_HINT } from './exact-numbers.js';

// Applies command-line overrides to the axes: `key=...` replaces the axis of that key in place
// (a key of a paired group leaves its group and becomes a grid axis), or adds a grid axis after
// the file's grid axes (grid stays outer, paired inner); `~key` removes a key. A later override
// of the same key wins. Errors and warnings are appended to `diagnostics`.
export function applyOverrides(
  axes: SweepAxes,
  overrides: readonly string[],
  diagnostics: Diagnostic[],
): void {
  for (const text of overrides) {
    let parsed;
    try {
      parsed = parseOverride(text);
    } catch (err) {
      if (!(err instanceof OverrideSyntaxError)) throw err;
      diagnostics.push({ severity: 'error', message: `bad override: ${err.message}`, hint: err.hint });
      continue;
    }
    const { key } = parsed;
    if (parsed.op === 'delete') {
      if (!removeKey(axes, key)) {
        diagnostics.push({
          severity: 'error',
          message: `override \`${text}\` removes \`${key}\`, which the sweep does not have`,
        });
      }
      continue;
    }
    const values: ParamValue[] = [];
    const seen = new Set<string>();
    const inexact = parsed.values
      .map((v) => inexactValue(v.value, v.isFloat, v.source))
      .find((p): p is string => p !== null);
    if (inexact) {
      diagnostics.push({
        severity: 'error',
        message: `override \`${text}\`: ${inexact}`,
        hint: INEXACT_HINT,
      });
      continue;
    }
    for (const v of parsed.values) {
      const id = canonicalJson(v.value);
      if (seen.has(id)) {
        diagnostics.push({
          severity: 'warning',
          message: `override \`${text}\` lists ${id} twice: the duplicate is dropped`,
        });
        continue;
      }
      seen.add(id);
      values.push(v.value);
    }
    axes.integralFloats.delete(key);
    for (const v of parsed.values)
      if (v.isFloat && typeof v.value === 'number' && Number.isInteger(v.value))
        noteIntegralFloat(axes, key, v.value);
    const rows = values.map((v) => [v]);
    const grid = axes.blocks.find((b) => b.kind === 'grid' && b.keys[0] === key);
    if (grid) {
      grid.rows = rows;
      continue;
    }
    removeKey(axes, key);
    const firstPaired = axes.blocks.findIndex((b) => b.kind === 'paired');
    const at = firstPaired === -1 ? axes.blocks.length : firstPaired;
    axes.blocks.splice(at, 0, { kind: 'grid', group: null, keys: [key], rows });
  }
}

// The first number in an override value (nested lists and mappings too) that JSON cannot hold exactly.
function inexactValue(value: ParamValue, isFloat: boolean, source?: string): string | null {
  if (typeof value === 'number') {
    if (source !== undefined) return inexactNumberProblem(value, source, isFloat);
    const spelling = Number.isNaN(value)
      ? 'nan'
      : value === Infinity
        ? 'inf'
        : value === -Infinity
          ? '-inf'
          : String(value);
    return inexactNumberProblem(value, spelling, isFloat);
  }
  const children = Array.isArray(value)
    ? value
    : value !== null && typeof value === 'object'
      ? Object.values(value)
      : [];
  for (const c of children) {
    const p = inexactValue(c, false);
    if (p !== null) return p;
  }
  return null;
}

function removeKey(axes: SweepAxes, key: string): boolean {
  for (let b = 0; b < axes.blocks.length; b++) {
    const block = axes.blocks[b]!;
    const col = block.keys.indexOf(key);
    if (col === -1) continue;
    if (block.keys.length === 1) axes.blocks.splice(b, 1);
    else {
      block.keys.splice(col, 1);
      // Rows that differed only in the removed key are now one task.
      const seen = new Set<string>();
      block.rows = block.rows
        .map((row) => row.filter((_, i) => i !== col))
        .filter((row) => {
          const id = canonicalJson(row);
          return seen.has(id) ? false : (seen.add(id), true);
        });
    }
    axes.integralFloats.delete(key);
    return true;
  }
  return false;
}

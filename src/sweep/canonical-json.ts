import type { ParamValue } from '../domain/params.js';

// JSON with sorted object keys and explicit non-finite numbers: two values that mean the same
// thing give the same text whatever their key order, and `1` / `"1"` / `true` / `null` / `.inf`
// stay distinct. Used for task keys and duplicate detection.
export function canonicalJson(value: ParamValue | readonly ParamValue[] | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number')
    return Number.isFinite(value) ? JSON.stringify(value) : `{"$number":"${value}"}`;
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v as ParamValue)).join(',')}]`;
  const obj = value as { [key: string]: ParamValue };
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

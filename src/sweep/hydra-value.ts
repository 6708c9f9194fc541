import type { ParamValue } from '../domain/params.js';

// How values are written for Hydra's override grammar (`key=value`), so that a training script
// using Hydra reads back exactly the YAML value and type of the sweep file:
//   null -> null, booleans -> true/false, ints -> 1, floats -> 0.1 / 1.0 / inf / nan,
//   lists -> [1,2,'a b'], mappings -> {a:1,b:2}, and strings bare when Hydra would read them back
//   as the same string, else single-quoted ('a b', 'x,y', 'k=v', '1', 'true', '') with `'` and
//   backslashes before a quote escaped and `${` escaped so it is not an interpolation.
// See https://hydra.cc/docs/advanced/override_grammar/basic/ (quoted values, escaping).

/** Says whether an integral number was written as a float (`1.0`) and must render as one. */
export type IsIntegralFloat = (value: number) => boolean;

const noFloats: IsIntegralFloat = () => false;

// A number as text: `1`, `0.1`, `1.0` (integral floats keep their `.0`), `inf`, `-inf`, `nan`.
export function formatNumber(value: number, isIntegralFloat: IsIntegralFloat = noFloats): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  const text = String(value);
  if (Number.isInteger(value) && isIntegralFloat(value) && /^-?\d+$/.test(text)) return `${text}.0`;
  return text;
}

// A value as plain text, for `{key}` placeholders and `--key value` flags: strings verbatim,
// numbers and booleans as written, null as `null`, lists and mappings as JSON.
export function formatPlainValue(value: ParamValue, isIntegralFloat: IsIntegralFloat = noFloats): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value, isIntegralFloat);
  if (value === null || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

const BARE_STRING = /^[A-Za-z0-9_\-/+.%*@?|:]+$/;
const LOOKS_TYPED = /^(?:[+-]?(?:\d|\.\d)|[+-]?(?:inf|nan)$|null$|true$|false$)/i;

// A value in Hydra's override grammar (the right-hand side of `key=value`).
export function renderHydraValue(value: ParamValue, isIntegralFloat: IsIntegralFloat = noFloats): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return formatNumber(value, isIntegralFloat);
  if (typeof value === 'string') return renderHydraString(value);
  if (Array.isArray(value)) return `[${value.map((v) => renderHydraValue(v)).join(',')}]`;
  const entries = Object.entries(value).map(([k, v]) => `${renderHydraString(k)}:${renderHydraValue(v)}`);
  return `{${entries.join(',')}}`;
}

// A string bare when Hydra reads it back unchanged, else quoted.
export function renderHydraString(value: string): string {
  if (BARE_STRING.test(value) && !LOOKS_TYPED.test(value)) return value;
  return quoteHydraString(value);
}

// Single-quoted per Hydra's grammar: `\'` is a quote; a run of backslashes before a quote (or the
// closing quote) is doubled; `${` is escaped as `\${` so Hydra does not interpolate it.
export function quoteHydraString(value: string): string {
  let out = "'";
  let i = 0;
  while (i < value.length) {
    if (value[i] === '\\') {
      let j = i;
      while (value[j] === '\\') j++;
      const run = j - i;
      const next = value[j];
      const beforeSpecial = next === undefined || next === "'" || (next === '$' && value[j + 1] === '{');
      out += '\\'.repeat(beforeSpecial ? run * 2 : run);
      i = j;
      continue;
    }
    const ch = value[i]!;
    if (ch === "'") out += "\\'";
    else if (ch === '$' && value[i + 1] === '{') out += '\\$';
    else out += ch;
    i++;
  }
  return out + "'";
}

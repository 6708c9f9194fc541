import type { ParamValue, Params } from '../domain/params.js';
import type { SweepAxes } from './axes.js';
import { formatPlainValue, renderHydraValue, type IsIntegralFloat } from './hydra-value.js';

// How a task's params become the argv it runs.
//  - `{key}` placeholders anywhere in a command word are replaced by the plain value
//    (formatPlainValue), inside that word only: a value never splits into more words and nothing
//    is given to a shell.
//  - then, by `args:` —
//      hydra (default): one word `key=value` per param, in Hydra's override grammar;
//      flags: `--key` then the value as its own word; booleans as `true`/`false`, null as `null`,
//             a list as one word per element (`--layers 1 2 3`, argparse nargs='+'), a mapping
//             as JSON;
//      none: nothing appended (the command must use placeholders).
//    Params used by placeholders are appended too (unless args is none): `args` decides what is
//    appended, placeholders are independent of it.
export type ArgsStyle = 'hydra' | 'flags' | 'none';

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_-]*(?:[./][A-Za-z0-9_-]+)*)\}/g;

// The `{key}` placeholders a command template uses, in order of appearance.
export function listPlaceholders(command: readonly string[]): string[] {
  const keys: string[] = [];
  for (const word of command)
    for (const m of word.matchAll(PLACEHOLDER)) if (!keys.includes(m[1]!)) keys.push(m[1]!);
  return keys;
}

export interface ArgvTemplate {
  command: readonly string[];
  args: ArgsStyle;
  axes: SweepAxes;
}

// The exact argv of one task.
export function renderTaskArgv(def: ArgvTemplate, params: Params): string[] {
  const floats = (key: string): IsIntegralFloat => {
    const set = def.axes.integralFloats.get(key);
    return set ? (v) => set.has(v) : () => false;
  };
  const argv = def.command.map((word) =>
    word.includes('{')
      ? word.replace(PLACEHOLDER, (whole, key: string) =>
          Object.prototype.hasOwnProperty.call(params, key)
            ? formatPlainValue(params[key]!, floats(key))
            : whole,
        )
      : word,
  );
  switch (def.args) {
    case 'hydra':
      for (const key in params) argv.push(`${key}=${renderHydraValue(params[key]!, floats(key))}`);
      break;
    case 'flags':
      for (const key in params) argv.push(...renderFlag(key, params[key]!, floats(key)));
      break;
    case 'none':
      break;
  }
  return argv;
}

function renderFlag(key: string, value: ParamValue, isFloat: IsIntegralFloat): string[] {
  if (Array.isArray(value)) return [`--${key}`, ...value.map((v) => formatPlainValue(v, isFloat))];
  return [`--${key}`, formatPlainValue(value, isFloat)];
}

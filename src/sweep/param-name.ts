// Which parameter names hsm accepts: Hydra-style dotted keys (`model.hidden_size`, `optimizer.lr`),
// optionally with config-group slashes (`model/encoder`), so they can be passed as `key=value`,
// as `--key value` and as `{key}` placeholders.
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*(?:[./][A-Za-z0-9_-]+)*$/;

export const PARAM_NAME_RULE =
  'a parameter name starts with a letter or `_` and holds letters, digits, `_` and `-`, with `.` (or `/`) between parts, e.g. `optimizer.lr`';

export function isValidParamName(name: string): boolean {
  return PARAM_NAME.test(name);
}

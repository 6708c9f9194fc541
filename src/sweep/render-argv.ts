import type { ParamValue } from '../domain/params.js';
import { formatPlainValue, renderHydraValue, type IsIntegralFloat } from './hydra-value.js';

// How a task's params become the argv it runs (generate-tasks.ts calls these for every task).
//  - `{key}` placeholders anywhere in a command word are replaced by the plain value
//    (formatPlainValue), inside that word only: a value never splits into more words and nothing
//    is given to a shell. `{{` and `}}` stand for a literal `{` and `}`; `${...}` is never a
//    placeholder (Hydra/OmegaConf interpolation such as `hydra.run.dir=out/${now:%H-%M}`, or a
//    shell variable) and stays as written.
//  - then, by `args:` —
//      hydra (default): one word `key=value` per param, in Hydra's override grammar;
//      flags: `--key` then the value as its own word; booleans as `true`/`false`, null as `null`,
//             a list as one word per element (`--layers 1 2 3`, argparse nargs='+'), a mapping
//             as JSON;
//      none: nothing appended (the command must use placeholders).
//    Params used by placeholders are appended too (unless args is none): `args` decides what is
//    appended, placeholders are independent of it.
export type ArgsStyle = 'hydra' | 'flags' | 'none';

/** A command word split into literal text and the placeholders to fill. */
export type WordTemplate = readonly (string | { key: string })[];

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*(?:[./][A-Za-z0-9_-]+)*$/;

// Splits one command word into literal text and `{key}` placeholders.
export function parseWordTemplate(word: string): WordTemplate {
  const parts: (string | { key: string })[] = [];
  let text = '';
  let i = 0;
  while (i < word.length) {
    const c = word[i]!;
    if ((c === '{' || c === '}') && word[i + 1] === c) {
      text += c; // `{{` / `}}`: one literal brace
      i += 2;
    } else if (c === '$' && word[i + 1] === '{') {
      const end = matchingBrace(word, i + 1);
      text += word.slice(i, end + 1); // `${...}` as written, nested braces included
      i = end + 1;
    } else if (c === '{') {
      const close = word.indexOf('}', i + 1);
      const key = close === -1 ? '' : word.slice(i + 1, close);
      if (NAME.test(key)) {
        if (text) parts.push(text);
        text = '';
        parts.push({ key });
        i = close + 1;
      } else {
        text += c; // not a placeholder (`{a b}`, JSON): literal, as it always was
        i++;
      }
    } else {
      text += c;
      i++;
    }
  }
  if (text || parts.length === 0) parts.push(text);
  return parts;
}

// The index of the `}` that closes the `{` at `open` (or the last index when it is never closed).
function matchingBrace(word: string, open: number): number {
  let depth = 0;
  for (let i = open; i < word.length; i++) {
    if (word[i] === '{') depth++;
    else if (word[i] === '}' && --depth === 0) return i;
  }
  return word.length - 1;
}

// The `{key}` placeholders a command template uses, in order of appearance.
export function listPlaceholders(command: readonly string[]): string[] {
  const keys: string[] = [];
  for (const word of command)
    for (const part of parseWordTemplate(word))
      if (typeof part !== 'string' && !keys.includes(part.key)) keys.push(part.key);
  return keys;
}

// Fills a word's placeholders with each param's plain text (`plain` returns undefined for no param).
export function fillWordTemplate(template: WordTemplate, plain: (key: string) => string | undefined): string {
  let out = '';
  for (const part of template) out += typeof part === 'string' ? part : (plain(part.key) ?? `{${part.key}}`);
  return out;
}

// The words one param appends to the argv, by args style.
export function renderParamWords(
  args: ArgsStyle,
  key: string,
  value: ParamValue,
  isFloat: IsIntegralFloat,
): string[] {
  switch (args) {
    case 'hydra':
      return [`${key}=${renderHydraValue(value, isFloat)}`];
    case 'flags':
      return Array.isArray(value)
        ? [`--${key}`, ...value.map((v) => formatPlainValue(v, isFloat))]
        : [`--${key}`, formatPlainValue(value, isFloat)];
    case 'none':
      return [];
  }
}

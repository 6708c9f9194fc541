import type { ParamValue } from '../domain/params.js';
import { isValidParamName, PARAM_NAME_RULE } from './param-name.js';

// Parses Hydra-style sweep overrides from the command line (`hsm run -- seed=1,2,3`):
//   key=a,b,c            a sweep over the listed values
//   key=choice(a,b)      the same
//   key=range(start,stop[,step])   Hydra's range: stop excluded; ints if all bounds are ints
//   key=value            one value (a list `[1,2]` or mapping `{a:1}` is one value)
//   +key=... / ++key=... add a key (the `+` is accepted and dropped: hsm has no base config)
//   ~key                 remove the axis `key`
// Values follow Hydra's element grammar: null, true/false, ints, floats (inf, nan), quoted strings
// ('a b', "x,y"), `\` escapes in bare strings, lists and mappings.
// See https://hydra.cc/docs/advanced/override_grammar/basic/ and .../extended/.

export interface TypedValue {
  value: ParamValue;
  /** Written as a float (`1.0`, `1e3`): renders as a float even when integral. */
  isFloat: boolean;
  /** The word as written, for a number (messages quote it as the user wrote it). */
  source?: string;
}

export interface ParsedOverride {
  text: string;
  op: 'set' | 'delete';
  key: string;
  values: TypedValue[];
}

export class OverrideSyntaxError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

const OVERRIDE_HINT =
  'write overrides as key=value, key=a,b,c, key=range(start,stop,step), key=choice(a,b) or ~key; quote values with spaces or commas, e.g. key="a b"';

const UNSUPPORTED_FUNCTIONS = [
  'glob',
  'interval',
  'shuffle',
  'sort',
  'tag',
  'int',
  'float',
  'str',
  'bool',
  'json_str',
  'extend_list',
];

// One override word -> what it sets, or an OverrideSyntaxError saying what is wrong in it.
export function parseOverride(text: string): ParsedOverride {
  const eq = text.indexOf('=');
  const lhs = eq === -1 ? text : text.slice(0, eq);
  const prefix = /^(\+\+|\+|~)?/.exec(lhs)![0];
  const key = lhs.slice(prefix.length).trim();
  if (key.includes('@'))
    throw new OverrideSyntaxError(`\`@package\` in override \`${text}\` is not supported`, OVERRIDE_HINT);
  if (!isValidParamName(key)) {
    throw new OverrideSyntaxError(
      `invalid parameter name \`${key}\` in override \`${text}\``,
      `${PARAM_NAME_RULE}; ${OVERRIDE_HINT}`,
    );
  }
  if (prefix === '~') return { text, op: 'delete', key, values: [] };
  if (eq === -1) throw new OverrideSyntaxError(`override \`${text}\` has no \`=\``, OVERRIDE_HINT);
  const parser = new ValueParser(text.slice(eq + 1), text);
  return { text, op: 'set', key, values: parser.parseSweep() };
}

class ValueParser {
  private pos = 0;
  constructor(
    private readonly src: string,
    private readonly whole: string,
  ) {}

  private fail(what: string): never {
    throw new OverrideSyntaxError(
      `${what} in override \`${this.whole}\` (at character ${this.pos + 1} of the value)`,
      OVERRIDE_HINT,
    );
  }

  private skipSpace(): void {
    while (this.src[this.pos] === ' ' || this.src[this.pos] === '\t') this.pos++;
  }

  parseSweep(): TypedValue[] {
    this.skipSpace();
    const fn = /^([a-z_]+)\s*\(/.exec(this.src.slice(this.pos));
    let values: TypedValue[];
    if (fn) {
      this.pos += fn[0].length;
      values = this.parseFunction(fn[1]!);
    } else {
      values = [this.parseElement()];
      this.skipSpace();
      while (this.src[this.pos] === ',') {
        this.pos++;
        values.push(this.parseElement());
        this.skipSpace();
      }
    }
    this.skipSpace();
    if (this.pos < this.src.length) this.fail(`unexpected \`${this.src[this.pos]}\``);
    return values;
  }

  private parseFunction(name: string): TypedValue[] {
    if (name !== 'choice' && name !== 'range') {
      if (UNSUPPORTED_FUNCTIONS.includes(name)) this.fail(`\`${name}(...)\` is not supported by hsm`);
      this.fail(`unknown function \`${name}(...)\``);
    }
    const args: TypedValue[] = [];
    this.skipSpace();
    if (this.src[this.pos] !== ')') {
      args.push(this.parseElement());
      this.skipSpace();
      while (this.src[this.pos] === ',') {
        this.pos++;
        args.push(this.parseElement());
        this.skipSpace();
      }
    }
    if (this.src[this.pos] !== ')') this.fail(`\`${name}(\` is not closed`);
    this.pos++;
    if (name === 'choice') {
      if (args.length === 0) this.fail('`choice()` has no values');
      return args;
    }
    return this.expandRange(args);
  }

  // Hydra's range: start, start+step, ... while < stop (> stop for a negative step). Float steps
  // are rounded to the decimals written, so range(0.1,0.4,0.1) is 0.1, 0.2, 0.3 (not 0.30000000000000004).
  private expandRange(args: TypedValue[]): TypedValue[] {
    if (
      args.length < 1 ||
      args.length > 3 ||
      args.some((a) => typeof a.value !== 'number' || !Number.isFinite(a.value))
    ) {
      this.fail(
        '`range(...)` takes 1 to 3 finite numbers: range(stop), range(start,stop) or range(start,stop,step)',
      );
    }
    const nums = args.map((a) => a.value as number);
    const [start, stop, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
    if (step === 0) this.fail('`range(...)` has a step of 0');
    const isFloat = args.some((a) => a.isFloat) || !Number.isInteger(start) || !Number.isInteger(step);
    const decimals = Math.min(15, Math.max(decimalsOf(start), decimalsOf(step)));
    const values: TypedValue[] = [];
    for (let i = 0; ; i++) {
      const raw = start + i * step;
      const v = isFloat ? Number(raw.toFixed(decimals)) : raw;
      if (step > 0 ? v >= stop - 1e-12 * Math.abs(step) : v <= stop + 1e-12 * Math.abs(step)) break;
      values.push({ value: v, isFloat });
      if (values.length > 10_000_000) this.fail('`range(...)` has more than 10,000,000 values');
    }
    if (values.length === 0) this.fail(`\`range(${nums.join(',')})\` is empty`);
    return values;
  }

  private parseElement(): TypedValue {
    this.skipSpace();
    const ch = this.src[this.pos];
    if (ch === "'" || ch === '"') return { value: this.parseQuoted(ch), isFloat: false };
    if (ch === '[') return { value: this.parseList(), isFloat: false };
    if (ch === '{') return { value: this.parseDict(), isFloat: false };
    return this.parsePrimitive(',)]}');
  }

  private parseQuoted(quote: string): string {
    this.pos++;
    let out = '';
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '\\') {
        let j = this.pos;
        while (this.src[j] === '\\') j++;
        const run = j - this.pos;
        const next = this.src[j];
        if (next === quote || j === this.src.length) {
          out += '\\'.repeat(Math.floor(run / 2));
          this.pos = j;
          if (run % 2 === 1 && next === quote) {
            out += quote;
            this.pos++;
          }
          continue;
        }
        // `\${` is an escaped interpolation: a literal `${` (hsm does not interpolate).
        const beforeInterpolation = next === '$' && this.src[j + 1] === '{';
        out += '\\'.repeat(beforeInterpolation ? Math.floor(run / 2) : run);
        this.pos = j;
        continue;
      }
      if (c === quote) {
        this.pos++;
        return out;
      }
      out += c;
      this.pos++;
    }
    this.fail(`unterminated ${quote === "'" ? 'single' : 'double'} quote`);
  }

  private parseList(): ParamValue[] {
    this.pos++;
    const items: ParamValue[] = [];
    this.skipSpace();
    if (this.src[this.pos] === ']') {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(this.parseElement().value);
      this.skipSpace();
      const c = this.src[this.pos];
      this.pos++;
      if (c === ']') return items;
      if (c !== ',') this.fail('a list `[...]` is not closed');
    }
  }

  private parseDict(): { [key: string]: ParamValue } {
    this.pos++;
    const out: { [key: string]: ParamValue } = {};
    this.skipSpace();
    if (this.src[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      const key = this.parsePrimitive(':,}').value;
      if (this.src[this.pos] !== ':') this.fail('a mapping `{...}` entry has no `:`');
      this.pos++;
      out[String(key)] = this.parseElement().value;
      this.skipSpace();
      const c = this.src[this.pos];
      this.pos++;
      if (c === '}') return out;
      if (c !== ',') this.fail('a mapping `{...}` is not closed');
    }
  }

  private parsePrimitive(stops: string): TypedValue {
    let out = '';
    let escaped = false;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '\\' && this.pos + 1 < this.src.length) {
        out += this.src[this.pos + 1];
        this.pos += 2;
        escaped = true;
        continue;
      }
      if (stops.includes(c)) break;
      if (c === '(' || c === '[' || c === '{' || c === "'" || c === '"') this.fail(`unexpected \`${c}\``);
      out += c;
      this.pos++;
    }
    const text = out.trim();
    return escaped ? { value: text, isFloat: false } : typePrimitive(text);
  }
}

// Hydra's types for a bare word: null, booleans, ints (`1_000`), floats (`1.0`, `1e-3`, inf, nan).
export function typePrimitive(text: string): TypedValue {
  if (/^null$/i.test(text)) return { value: null, isFloat: false };
  if (/^(true|false)$/i.test(text)) return { value: text.toLowerCase() === 'true', isFloat: false };
  if (/^[+-]?(0|[1-9](_?\d)*)$/.test(text))
    return { value: Number(text.replace(/_/g, '')), isFloat: false, source: text };
  if (/^[+-]?((\d(_?\d)*)?\.\d(_?\d)*|\d(_?\d)*\.?)([eE][+-]?\d+)?$/.test(text) && /[.eE]/.test(text)) {
    return { value: Number(text.replace(/_/g, '')), isFloat: true };
  }
  if (/^[+-]?inf$/i.test(text)) return { value: text.startsWith('-') ? -Infinity : Infinity, isFloat: true };
  if (/^[+-]?nan$/i.test(text)) return { value: NaN, isFloat: true };
  return { value: text, isFloat: false };
}

function decimalsOf(n: number): number {
  const s = String(n);
  const exp = /e-(\d+)$/.exec(s);
  if (exp) return Number(exp[1]) + (s.split('e')[0]!.split('.')[1]?.length ?? 0);
  return s.split('.')[1]?.length ?? 0;
}

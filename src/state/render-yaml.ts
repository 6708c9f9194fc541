import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';

// The YAML files hsm writes (sweep_config.yaml, sweep_metadata.yaml, ...), rendered by the `yaml`
// package, except for long lists of numbers: a sweep file's grid axis of 1,000 values costs `yaml`
// ~10 ms of CPU to emit, one node at a time, in the serial start of `hsm run`. Such a list, the value
// of a plain key, is left out of what `yaml` renders (a placeholder stands in for it) and written as
// `yaml` writes it: one `- N` line per number, two spaces deeper than its key, each number as
// `yaml` spells a plain JavaScript number (JSON's spelling, `-0` for negative zero). The output is the
// same bytes either way (a test compares both on many documents).

/** Lists shorter than this are left to `yaml` (it is cheap on them). */
const LONG_LIST = 64;
/** Keys the placeholder may follow: `yaml` writes them as they are, on one line. */
const PLAIN_KEY = /^[A-Za-z_][\w.-]{0,63}$/;

export function renderYaml(value: unknown): string {
  const lists: number[][] = [];
  const mark = `hsm-list-${randomBytes(6).toString('hex')}-`;
  const swap: Swap = { lists, mark, seen: new Set(), shared: false };
  const swapped = swapLongLists(value, swap);
  // an object met twice (a YAML alias read back) is written once with an anchor by `yaml`: left to it
  if (lists.length === 0 || swap.shared) return stringify(value, { lineWidth: 0 });
  const text = stringify(swapped, { lineWidth: 0 });
  // the key's line may begin with the dashes of the lists holding its mapping (`- - key: ...`)
  const line = new RegExp(`^([ -]*)([^\\n]*): ${mark}(\\d+)$`, 'gm');
  return text.replace(line, (_all, lead: string, key: string, i: string) => {
    const items = lists[Number(i)]!;
    const pad = `${' '.repeat(lead.length)}  - `;
    let out = `${lead}${key}:`;
    for (const n of items) out += `\n${pad}${Object.is(n, -0) ? '-0' : JSON.stringify(n)}`;
    return out;
  });
}

interface Swap {
  lists: number[][];
  mark: string;
  /** Every object and array met so far. */
  seen: Set<object>;
  /** One was met twice: `yaml` is to write the value as it is. */
  shared: boolean;
}

// A copy of `value` where each long list of finite numbers held by a plain key of a plain object is a
// placeholder string; `value` itself is not changed (no copy is made where nothing is swapped).
function swapLongLists(value: unknown, s: Swap): unknown {
  if (value === null || typeof value !== 'object' || s.shared) return value;
  if (s.seen.has(value)) {
    s.shared = true;
    return value;
  }
  s.seen.add(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const swapped = swapLongLists(item, s);
      if (swapped !== item) (copy ??= value.slice())[i] = swapped;
    }
    return copy ?? value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let copy: Record<string, unknown> | null = null;
  for (const [key, item] of Object.entries(value)) {
    let swapped: unknown;
    if (PLAIN_KEY.test(key) && isLongNumberList(item)) {
      if (s.seen.has(item)) s.shared = true;
      s.seen.add(item);
      swapped = `${s.mark}${s.lists.length}`;
      s.lists.push(item);
    } else swapped = swapLongLists(item, s);
    if (swapped !== item) (copy ??= { ...value })[key] = swapped;
  }
  return copy ?? value;
}

function isLongNumberList(v: unknown): v is number[] {
  if (!Array.isArray(v) || v.length < LONG_LIST) return false;
  for (const n of v) if (typeof n !== 'number' || !Number.isFinite(n)) return false;
  return true;
}

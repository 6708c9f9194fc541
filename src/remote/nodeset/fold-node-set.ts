// Folds node names back into the shortest ClusterShell expression, as `clush -b` prints node
// groups: node01 node02 node03 node05 -> `node[01-03,05]`. Names are grouped on their last run of
// digits (prefix + number + suffix); a zero-padded width is kept and numbers of a different width
// are not mixed into it, so folding then expanding gives the same names back.

interface Family {
  prefix: string;
  suffix: string;
  /** 0 = unpadded numbers; N = numbers written with exactly N digits and a leading zero. */
  width: number;
  numbers: Set<number>;
}

const LAST_NUMBER = /^(.*?)(\d+)(\D*)$/;

// Returns the folded expression of a list of node names (order and duplicates do not matter).
export function foldNodeSet(names: Iterable<string>): string {
  const families = new Map<string, Family>();
  const plain = new Set<string>();
  const entries: { prefix: string; digits: string; suffix: string }[] = [];
  for (const name of names) {
    const m = LAST_NUMBER.exec(name);
    if (!m) plain.add(name);
    else entries.push({ prefix: m[1]!, digits: m[2]!, suffix: m[3]! });
  }
  // padded widths in use per prefix/suffix: an unpadded number of that width (node10 next to
  // node09) belongs to the padded family
  const paddedWidths = new Set<string>();
  for (const e of entries) {
    if (e.digits.length > 1 && e.digits.startsWith('0'))
      paddedWidths.add(`${e.prefix}\0${e.suffix}\0${e.digits.length}`);
  }
  for (const e of entries) {
    const padded = paddedWidths.has(`${e.prefix}\0${e.suffix}\0${e.digits.length}`);
    const width = padded ? e.digits.length : 0;
    const key = `${e.prefix}\0${e.suffix}\0${width}`;
    let f = families.get(key);
    if (!f) families.set(key, (f = { prefix: e.prefix, suffix: e.suffix, width, numbers: new Set() }));
    f.numbers.add(Number(e.digits));
  }
  const parts: { sort: string; text: string }[] = [...plain].map((p) => ({ sort: p, text: p }));
  for (const f of families.values()) {
    const sorted = [...f.numbers].sort((a, b) => a - b);
    const pad = (n: number) => String(n).padStart(f.width, '0');
    const ranges: string[] = [];
    for (let i = 0; i < sorted.length;) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
      ranges.push(i === j ? pad(sorted[i]!) : `${pad(sorted[i]!)}-${pad(sorted[j]!)}`);
      i = j + 1;
    }
    const text =
      sorted.length === 1
        ? `${f.prefix}${pad(sorted[0]!)}${f.suffix}`
        : `${f.prefix}[${ranges.join(',')}]${f.suffix}`;
    parts.push({ sort: `${f.prefix}\0${f.suffix}\0${String(f.width).padStart(3, '0')}`, text });
  }
  parts.sort((a, b) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : 0));
  return parts.map((p) => p.text).join(',');
}

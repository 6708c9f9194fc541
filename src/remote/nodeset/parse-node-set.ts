import { HsmError } from '../../domain/errors.js';

// ClusterShell node set syntax, as `clush -w` and Slurm users type it:
//   node[01-16,20]      ranges and single numbers, zero padding kept (node01 ... node16, node20)
//   node[1-9/2]         a step (node1 node3 ... node9)
//   rack[1-2]-gpu[1-4]  several bracket groups: their cartesian product, left one varying slowest
//   a,b[1-3]            comma-separated union (commas inside brackets separate ranges)
//   node[1-16]!node5    `!` removes the node set on its right from everything on its left
// Names are returned in the order written, without duplicates. Errors name the offending part
// and its column (1-based) in the whole expression.

const MAX_NODES = 1_000_000;

// Expands a node set expression into node names; throws a `config` HsmError pointing at the
// offending part for malformed input.
export function expandNodeSet(expression: string): string[] {
  const result = new Set<string>();
  const items = splitTopLevel(expression);
  for (const item of items) {
    const [first, ...excluded] = splitExclusions(expression, item);
    if (first!.text.trim() !== '') for (const n of expandPattern(expression, first!)) result.add(n);
    for (const ex of excluded) for (const n of expandPattern(expression, ex)) result.delete(n);
  }
  return [...result];
}

interface Part {
  text: string;
  /** 0-based offset of `text` in the whole expression. */
  offset: number;
}

function fail(expression: string, what: string, offset: number, hint?: string): never {
  throw new HsmError('config', `Invalid node set \`${expression}\`: ${what} at column ${offset + 1}.`, {
    evidence: `${expression}\n${' '.repeat(offset)}^`,
    hint:
      hint ??
      'Write node sets as ClusterShell does: `node[01-16,20]`, `gpu[1-4],login1`, `node[1-16]!node5` (ranges low-high, padding kept).',
  });
}

// Splits on commas outside brackets, checking bracket balance.
function splitTopLevel(expression: string): Part[] {
  const parts: Part[] = [];
  let depth = 0;
  let start = 0;
  let open = -1;
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i]!;
    if (ch === '[') {
      if (depth > 0) fail(expression, 'nested `[`', i);
      depth = 1;
      open = i;
    } else if (ch === ']') {
      if (depth === 0) fail(expression, 'unmatched `]`', i);
      depth = 0;
    } else if (ch === ',' && depth === 0) {
      parts.push({ text: expression.slice(start, i), offset: start });
      start = i + 1;
    }
  }
  if (depth > 0) fail(expression, 'unclosed `[`', open, 'Close the range with `]`, e.g. `node[1-4]`.');
  parts.push({ text: expression.slice(start), offset: start });
  for (const p of parts) {
    if (p.text.trim() === '') fail(expression, 'empty node name', p.offset, 'Remove the stray comma.');
  }
  return parts;
}

// `a!b!c` (outside brackets): the first part minus the others.
function splitExclusions(expression: string, item: Part): Part[] {
  const parts: Part[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= item.text.length; i++) {
    const ch = item.text[i];
    if (ch === '[') depth++;
    else if (ch === ']') depth--;
    else if ((ch === '!' && depth === 0) || ch === undefined) {
      const text = item.text.slice(start, i);
      if (parts.length > 0 && text.trim() === '')
        fail(expression, 'nothing to exclude after `!`', item.offset + i - 1);
      parts.push({ text, offset: item.offset + start });
      start = i + 1;
    }
  }
  if (parts[0]!.text.trim() === '' && parts.length > 1) {
    fail(
      expression,
      'nothing to exclude from before `!`',
      item.offset,
      'Write what to keep first: `node[1-16]!node5`.',
    );
  }
  return parts;
}

// One pattern: literal text and bracket groups; returns the cartesian product of the groups.
function expandPattern(expression: string, part: Part): string[] {
  const leading = part.text.length - part.text.trimStart().length;
  const text = part.text.trim();
  const offset = part.offset + leading;
  const bad = /[\s"'`$;&|<>(){}\\*?]/.exec(text);
  if (bad) {
    fail(
      expression,
      `invalid character \`${bad[0]}\` in node name \`${text}\``,
      offset + bad.index,
      'Node names contain letters, digits, `-`, `_`, `.`, `@`, `:`; ranges go in brackets.',
    );
  }
  if (text.startsWith('-')) fail(expression, `node name \`${text}\` starting with \`-\``, offset);
  let names = [''];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('[', i);
    const literal = open === -1 ? text.slice(i) : text.slice(i, open);
    names = names.map((n) => n + literal);
    if (open === -1) break;
    const close = text.indexOf(']', open);
    const values = expandRangeList(expression, text.slice(open + 1, close), offset + open + 1, text);
    if (names.length * values.length > MAX_NODES)
      fail(expression, `more than ${MAX_NODES} nodes in \`${text}\``, offset);
    names = names.flatMap((n) => values.map((v) => n + v));
    i = close + 1;
  }
  return names;
}

// `01-16,20,30-40/5` -> the numbers as strings, padding kept.
function expandRangeList(expression: string, list: string, offset: number, pattern: string): string[] {
  if (list === '') fail(expression, `empty range \`[]\` in \`${pattern}\``, offset - 1);
  const out: string[] = [];
  let pos = 0;
  for (const range of list.split(',')) {
    const at = offset + pos;
    pos += range.length + 1;
    const m = /^(\d+)(?:-(\d+)(?:\/(\d+))?)?$/.exec(range);
    if (!m)
      fail(
        expression,
        `bad range \`${range}\` in \`${pattern}\``,
        at,
        'A range is `N`, `LOW-HIGH` or `LOW-HIGH/STEP` with digits only, e.g. `node[01-16,20]`.',
      );
    const [, lo, hi, step] = m;
    if (hi === undefined) {
      out.push(lo!);
      continue;
    }
    const low = Number(lo);
    const high = Number(hi);
    const by = step === undefined ? 1 : Number(step);
    if (low > high)
      fail(
        expression,
        `bad range \`${range}\` in \`${pattern}\``,
        at,
        `A range goes from low to high: \`${hi}-${lo}\`.`,
      );
    if (by === 0)
      fail(
        expression,
        `bad step in range \`${range}\` of \`${pattern}\``,
        at,
        'The step after `/` must be 1 or more.',
      );
    if ((high - low) / by > MAX_NODES)
      fail(expression, `range \`${range}\` is too large in \`${pattern}\``, at);
    // zero padding: `01-16` -> width 2; `1-100` -> none (as ClusterShell and Slurm do)
    const width = lo!.length > 1 && lo!.startsWith('0') ? lo!.length : 0;
    for (let v = low; v <= high; v += by) out.push(String(v).padStart(width, '0'));
  }
  return out;
}

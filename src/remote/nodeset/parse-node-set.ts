import { HsmError } from '../../domain/errors.js';
import { foldIndexRuns, sortIndexes } from './node-index.js';
import { splitNodeName } from './node-name.js';

// ClusterShell node set syntax (docs/node-sets.md), as `clush -w` and `nodeset` read it:
//   node[01-16,20]      ranges and single numbers, zero padding kept (node01 ... node16, node20)
//   node[1-9/2]         a step (node1 node3 ... node9)
//   rack[1-2]-gpu[1-4]  several bracket groups: their cartesian product
//   a,b  a!b  a&b  a^b  union, difference, intersection, symmetric difference, applied strictly
//                       left to right with equal precedence: `a,b!c` is `(a,b)!c`
//   @gpu  @rack[1-4]    a node group; groups rack1 ... rack4
// This file only reads the syntax into terms; node-set.ts applies the operators. Errors name the
// offending part and its column (1-based) in the whole expression.

export const MAX_NODES = 1_000_000;

export type NodeSetOperator = ',' | '!' | '&' | '^';

/** One bracket term: literal text around axes of indexes (`rack[1-2]-n[01-04]`). */
export interface ProductTerm {
  op: NodeSetOperator;
  offset: number;
  literals: string[];
  axes: string[][];
}

/** `@name`, `@rack[1-4]`: node groups (their union). */
export interface GroupTerm {
  op: NodeSetOperator;
  offset: number;
  groups: string[];
}

export type NodeSetTerm = ProductTerm | GroupTerm;

const OPERATORS = ',!&^';
const OPERATOR_NAMES: Record<NodeSetOperator, string> = {
  ',': 'union',
  '!': 'difference',
  '&': 'intersection',
  '^': 'symmetric difference',
};
const SYNTAX_HINT =
  'Write node sets as ClusterShell does: `node[01-16,20]`, `gpu[1-4],login1`, `node[1-16]!node5`, `rack[1-4]-n[1-8]&rack2-n[1-16]` (ranges low-high, padding kept).';

function fail(expression: string, what: string, offset: number, hint?: string): never {
  throw new HsmError('config', `Invalid node set \`${expression}\`: ${what} at column ${offset + 1}.`, {
    evidence: `${expression}\n${' '.repeat(offset)}^`,
    hint: hint ?? SYNTAX_HINT,
  });
}

// Reads an expression into its terms, each with the operator that joins it to what comes before
// (`,` for the first).
export function parseNodeSetTerms(expression: string): NodeSetTerm[] {
  const terms: NodeSetTerm[] = [];
  for (const raw of splitOperands(expression)) {
    const leading = raw.text.length - raw.text.trimStart().length;
    const text = raw.text.trim();
    const offset = raw.offset + leading;
    if (text === '') emptyOperand(expression, raw);
    if (text.startsWith('@'))
      terms.push({ op: raw.op, offset, groups: groupNames(expression, text, offset) });
    else terms.push({ op: raw.op, offset, ...parseProduct(expression, text, offset) });
  }
  return terms;
}

interface RawOperand {
  op: NodeSetOperator;
  /** Offset of the operator before this operand (-1 for the first). */
  opOffset: number;
  text: string;
  offset: number;
}

// Splits on operators outside brackets, checking bracket balance.
function splitOperands(expression: string): RawOperand[] {
  const parts: RawOperand[] = [];
  let depth = 0;
  let start = 0;
  let open = -1;
  let op: NodeSetOperator = ',';
  let opOffset = -1;
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i]!;
    if (ch === '[') {
      if (depth > 0) fail(expression, 'nested `[`', i);
      depth = 1;
      open = i;
    } else if (ch === ']') {
      if (depth === 0) fail(expression, 'unmatched `]`', i);
      depth = 0;
    } else if (depth === 0 && OPERATORS.includes(ch)) {
      parts.push({ op, opOffset, text: expression.slice(start, i), offset: start });
      op = ch as NodeSetOperator;
      opOffset = i;
      start = i + 1;
    }
  }
  if (depth > 0) fail(expression, 'unclosed `[`', open, 'Close the range with `]`, e.g. `node[1-4]`.');
  parts.push({ op, opOffset, text: expression.slice(start), offset: start });
  return parts;
}

function emptyOperand(expression: string, raw: RawOperand): never {
  if (raw.opOffset >= 0) {
    if (raw.op === ',') fail(expression, 'empty node name', raw.offset, 'Remove the stray comma.');
    const what = { '!': 'nothing to exclude', '&': 'nothing to intersect with', '^': 'nothing' }[raw.op];
    fail(expression, `${what} after \`${raw.op}\``, raw.opOffset, operatorHint(raw.op));
  }
  // the first operand: empty before an operator, or an empty expression
  const next = expression[raw.offset + raw.text.length] as NodeSetOperator | undefined;
  if (next === undefined || next === ',')
    fail(expression, 'empty node name', raw.offset, 'Name at least one node, e.g. `node[01-16]`.');
  const what = next === '!' ? 'nothing to exclude from' : `nothing (${OPERATOR_NAMES[next]})`;
  fail(expression, `${what} before \`${next}\``, raw.offset, operatorHint(next));
}

function operatorHint(op: NodeSetOperator): string {
  if (op === '!') return 'Write what to keep first and what to remove after: `node[1-16]!node5`.';
  if (op === '&') return 'Intersect two node sets: `node[1-16]&node[8-32]`.';
  if (op === '^') return 'Symmetric difference of two node sets: `node[1-8]^node[5-12]`.';
  return 'Remove the stray comma.';
}

// `@gpu` -> gpu; `@rack[1-2]` -> rack1 rack2 (brackets as in node names).
function groupNames(expression: string, text: string, offset: number): string[] {
  if (!/^@[A-Za-z0-9_.:-]/.test(text) || /[^A-Za-z0-9_.:\-[\],/]/.test(text.slice(1)))
    fail(
      expression,
      `bad node group \`${text}\``,
      offset,
      'A node group is `@` and its name from the groups: map of hsm_config.yaml, e.g. `@gpu` or `@rack[1-4]`.',
    );
  const { literals, axes } = parseProduct(expression, text.slice(1), offset + 1);
  let names = [literals[0]!];
  axes.forEach((axis, i) => {
    names = names.flatMap((n) => axis.map((idx) => n + idx + literals[i + 1]!));
  });
  return names;
}

// Characters refused in node names: shell syntax, quotes, whitespace, wildcards.
const BAD_CHARACTER = /[\s"'`$;|<>(){}\\*?]/;

// One operand: literal text and bracket groups. Digits next to a bracket join its range, as in
// ClusterShell: `n1[0-5]` is `n[10-15]`, `n[1-3]0` is `n[10,20,30]`.
function parseProduct(
  expression: string,
  text: string,
  offset: number,
): { literals: string[]; axes: string[][] } {
  for (let i = 0, depth = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '[') depth = 1;
    else if (ch === ']') depth = 0;
    else if (depth === 0 && BAD_CHARACTER.test(ch))
      fail(
        expression,
        `invalid character \`${ch}\` in node name \`${text}\``,
        offset + i,
        'Node names contain letters, digits, `-`, `_`, `.`, `@`, `:`; ranges go in brackets.',
      );
  }
  if (text.startsWith('-')) fail(expression, `node name \`${text}\` starting with \`-\``, offset);
  const literals = [''];
  const axes: string[][] = [];
  const addText = (t: string) => {
    const { literals: lits, indexes } = splitNodeName(t);
    literals[literals.length - 1] += lits[0]!;
    indexes.forEach((idx, i) => {
      axes.push([idx]);
      literals.push(lits[i + 1]!);
    });
  };
  let pos = 0;
  let count = 1;
  while (pos < text.length) {
    const open = text.indexOf('[', pos);
    if (open === -1) {
      addText(text.slice(pos));
      break;
    }
    const close = text.indexOf(']', open);
    const prefix = text.slice(pos, open);
    const leadingDigits = /\d*$/.exec(prefix)![0];
    const after = text.slice(close + 1);
    const trailingDigits = /^\d*/.exec(after)![0];
    const at = offset + open + 1;
    if (after[trailingDigits.length] === '[')
      fail(
        expression,
        'a bracket group right after another',
        offset + close + 1 + trailingDigits.length,
        'Separate bracket groups with a character: `rack[1-2]-node[1-4]`.',
      );
    let range = text.slice(open + 1, close);
    const pattern = text;
    let values = parseRangeList(expression, range, at, pattern);
    if (trailingDigits !== '') {
      if (range.includes('/'))
        fail(expression, `digits \`${trailingDigits}\` after a range with a step`, offset + close + 1);
      range = appendDigits(range, trailingDigits);
      values = parseRangeList(expression, range, at, pattern, true);
    }
    if (leadingDigits !== '') {
      range = foldIndexRuns(sortIndexes(values))
        .map((run) =>
          run
            .split('-')
            .map((bound) => leadingDigits + bound)
            .join('-'),
        )
        .join(',');
      values = parseRangeList(expression, range, at, pattern, true);
    }
    addText(prefix.slice(0, prefix.length - leadingDigits.length));
    axes.push(values);
    literals.push('');
    count *= axes[axes.length - 1]!.length;
    if (count > MAX_NODES)
      fail(
        expression,
        `more than ${MAX_NODES.toLocaleString('en-US')} nodes in \`${text}\``,
        offset,
        `A node set holds at most ${MAX_NODES.toLocaleString('en-US')} nodes.`,
      );
    pos = close + 1 + trailingDigits.length;
  }
  return { literals, axes };
}

// ClusterShell's reading of `[1-3]0`: every bound gets the digits, and a range steps by the power
// of ten (`10-30/10`).
function appendDigits(range: string, digits: string): string {
  return range
    .split(',')
    .map((item) => {
      const bounds = item.split('-').map((b) => b.trim());
      const amended = bounds.map((b) => b + digits).join('-');
      return bounds.length > 1 ? `${amended}/1${'0'.repeat(digits.length)}` : amended;
    })
    .join(',');
}

const RANGE_HINT =
  'A range is `N`, `LOW-HIGH` or `LOW-HIGH/STEP` with digits only, e.g. `node[01-16,20]`; a zero-padded range has both bounds of the same width (`01-16`).';

// `01-16,20,30-40/5` -> the indexes as strings, padding kept (ClusterShell's RangeSet).
// `derived`: the range was rewritten from digits around the bracket; errors point at the bracket.
function parseRangeList(
  expression: string,
  list: string,
  offset: number,
  pattern: string,
  derived = false,
): string[] {
  if (list.trim() === '') fail(expression, `empty range \`[]\` in \`${pattern}\``, offset - 1);
  const out: string[] = [];
  let pos = 0;
  for (const item of list.split(',')) {
    const at = derived ? offset : offset + pos + (item.length - item.trimStart().length);
    pos += item.length + 1;
    const range = item.trim();
    const bad = (why: string, hint = RANGE_HINT): never =>
      fail(expression, `bad range \`${range}\` in \`${pattern}\` (${why})`, at, hint);
    const m = /^(\d+)(?:\s*-\s*(\d+)(?:\s*\/\s*(\d+))?)?$/.exec(range);
    if (!m) {
      if (range === '') bad('empty');
      if (/^\d+\s*\/\s*\d+$/.test(range)) bad('a step needs a range: `LOW-HIGH/STEP`');
      return bad('not a number, LOW-HIGH or LOW-HIGH/STEP');
    }
    const [, lo, hi = lo!, step] = m;
    if (lo!.length > 15 || hi.length > 15) bad('numbers of at most 15 digits');
    // zero padding: `01-16` -> width 2; `1-100` -> none; `01-100` is refused (as ClusterShell does)
    const padded = (s: string) => s.length > 1 && s.startsWith('0');
    const endPadded = padded(hi) && Number(hi) !== 0;
    if ((padded(lo!) || endPadded) && lo!.length !== hi.length)
      bad(
        'bounds of different widths',
        `Write both bounds with the same number of digits: \`${lo}-${hi.padStart(lo!.length, '0')}\`.`,
      );
    const low = Number(lo);
    const high = Number(hi);
    const by = step === undefined ? 1 : Number(step);
    if (low > high) bad('high before low', `A range goes from low to high: \`${hi}-${lo}\`.`);
    if (by < 1) bad('step 0', 'The step after `/` must be 1 or more.');
    if ((high - low) / by + 1 > MAX_NODES)
      bad(
        `more than ${MAX_NODES.toLocaleString('en-US')} indexes`,
        `A node set holds at most ${MAX_NODES.toLocaleString('en-US')} nodes.`,
      );
    const width = padded(lo!) ? lo!.length : 0;
    for (let v = low; v <= high; v += by) out.push(String(v).padStart(width, '0'));
  }
  return out;
}

import {
  isScalar,
  LineCounter,
  parseDocument,
  Scalar,
  visit,
  type Document,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
} from 'yaml';

// A sweep's grid often lists hundreds or thousands of values on one line (`lr: [0.001, 0.002, ...]`),
// and the `yaml` package reads each item of a flow sequence at ~50-100 µs of CPU (lexer, parser and
// composer; 1,000 values ~0.1 s, before any task can start). This reads such lists itself: a
// one-line `[...]` of plain words is blanked out (same length, so every other node keeps its
// position), the rest of the file is parsed by `yaml`, and each blanked list is filled with the
// scalars `yaml` would have made: its own tag resolution on the same text, the same range, source,
// type and format. Anything else (a bracket inside a string or a comment, a file with errors or
// warnings, a value a tag refuses) is left to `yaml` on the original text.

/** Lists shorter than this are left to `yaml` (its cost only matters for long ones). */
export const LONG_LIST_ITEMS = 64;

// A `[` ... `]` holding only words, signs, dots, commas and blanks.
const CANDIDATE = /\[[-+A-Za-z0-9._, \t]+\]/g;
// A plain scalar that means the same in any flow context (no indicator, quote, tag or anchor).
const PLAIN_WORD = /^[-+]?[A-Za-z0-9._]+$/;

type Options = ParseOptions & DocumentOptions & SchemaOptions;

interface ScalarTagLike {
  default?: boolean | 'key';
  test?: RegExp;
  format?: string;
  resolve: (value: string, onError: (message: string) => void, options: unknown) => unknown;
}

interface ListItem {
  source: string;
  start: number;
  /** Where the item's blanks end (the next `,` or `]`): the third number of a `yaml` range. */
  end: number;
}

interface LongList {
  open: number;
  close: number;
  items: ListItem[];
}

/**
 * `parseDocument(text, options)` with long one-line lists of plain words read directly; null when the
 * text has none (or any doubt), for the caller to parse it with `yaml` alone.
 */
export function parseWithLongLists(
  text: string,
  options: Options,
  minItems = LONG_LIST_ITEMS,
): { doc: Document; lines: LineCounter } | null {
  const lists = findLongLists(text, minItems);
  if (lists.length === 0) return null;
  let blanked = '';
  let from = 0;
  for (const l of lists) {
    blanked += text.slice(from, l.open + 1) + ' '.repeat(l.close - l.open - 1);
    from = l.close;
  }
  blanked += text.slice(from);
  const lines = new LineCounter();
  const doc = parseDocument(blanked, { ...options, lineCounter: lines });
  if (doc.errors.length > 0 || doc.warnings.length > 0) return null;
  // each blanked list must be an empty flow sequence of the document, exactly where it was
  const byOpen = new Map(lists.map((l) => [l.open, l]));
  let filled = 0;
  let doubt = false;
  visit(doc, {
    Seq(_, node) {
      const l = node.range ? byOpen.get(node.range[0]) : undefined;
      if (!l) return;
      if (!node.flow || node.items.length > 0 || node.range![1] !== l.close + 1) {
        doubt = true;
        return visit.BREAK;
      }
      for (const item of l.items) {
        const scalar = resolvePlain(doc, item.source);
        if (scalar === null) {
          doubt = true;
          return visit.BREAK;
        }
        scalar.range = [item.start, item.start + item.source.length, item.end];
        node.items.push(scalar);
      }
      filled++;
      return undefined;
    },
  });
  return doubt || filled !== lists.length ? null : { doc, lines };
}

// The one-line lists of at least `minItems` plain words, with where each item is.
function findLongLists(text: string, minItems: number): LongList[] {
  const lists: LongList[] = [];
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
    const open = m.index;
    const close = open + m[0].length - 1;
    const items: ListItem[] = [];
    let at = open + 1;
    let ok = true;
    for (const part of m[0].slice(1, -1).split(',')) {
      const lead = part.length - part.trimStart().length;
      const source = part.trim();
      if (!PLAIN_WORD.test(source)) {
        ok = false; // an empty item (`[1,,2]`, a trailing comma) or a lone sign: `yaml` decides
        break;
      }
      items.push({ source, start: at + lead, end: at + part.length });
      at += part.length + 1;
    }
    if (ok && items.length >= minItems) lists.push({ open, close, items });
  }
  return lists;
}

// The scalar `yaml` makes of a plain word in a flow sequence (compose-scalar.js: the first default
// tag whose test matches, else a string), or null if its tag refuses it.
function resolvePlain(doc: Document, source: string): Scalar | null {
  const tags = (doc.schema as unknown as { tags: ScalarTagLike[] }).tags;
  const tag = tags.find((t) => t.default === true && t.test?.test(source) === true);
  if (!tag) return Object.assign(new Scalar(source), { source, type: Scalar.PLAIN });
  let refused = false;
  const res = tag.resolve(source, () => (refused = true), doc.options);
  if (refused) return null;
  const scalar = isScalar(res) ? res : new Scalar(res);
  scalar.source = source;
  scalar.type = Scalar.PLAIN;
  if (tag.format) scalar.format = tag.format;
  return scalar;
}

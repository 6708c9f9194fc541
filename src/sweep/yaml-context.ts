import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ParamValue } from '../domain/params.js';
import { buildExcerpt, type Diagnostic, type Severity } from './diagnostic.js';
import { parseWithLongLists } from './yaml-long-lists.js';
import { describeYamlError } from './yaml-syntax-error.js';

// More values than aliases add to any real sweep file or hsm_config.yaml (a file may hold any number
// of values written out: its length bounds those).
const MAX_ALIAS_VALUES = 100_000;

// A parsed YAML file that remembers where every node came from, and collects diagnostics that
// point at `file:line:col`. Shared by the sweep file and hsm_config.yaml readers.
export class YamlContext {
  readonly diagnostics: Diagnostic[] = [];
  private readonly lines: LineCounter;
  readonly doc: Document;

  constructor(
    readonly text: string,
    readonly file: string | undefined,
  ) {
    // YAML 1.2 core schema (as Hydra/OmegaConf read values): `yes` is a string, `1.0` a float.
    // Long one-line lists are read without the parser's cost per item (yaml-long-lists.ts).
    const options = { prettyErrors: false, uniqueKeys: true };
    const fast = parseWithLongLists(text, options);
    this.lines = fast?.lines ?? new LineCounter();
    this.doc = fast?.doc ?? parseDocument(text, { ...options, lineCounter: this.lines });
    // the first syntax error only: the parser's later ones mostly follow from it (a stray `]` is
    // six errors), and the place it names is the one to fix (yaml-syntax-error.ts)
    const first = this.doc.errors[0];
    if (first) {
      const problem = describeYamlError(text, {
        code: first.code,
        message: first.message,
        offset: first.pos[0],
      });
      const pos = this.lines.linePos(problem.offset);
      this.add('error', { line: pos.line, col: pos.col }, `malformed YAML: ${problem.message}`, {
        excerpt: buildExcerpt(text, pos.line, pos.col),
        hint: problem.hint,
      });
    }
    if (this.doc.errors.length === 0) this.refuseAliasBomb();
    for (const w of this.doc.warnings) {
      const pos = this.lines.linePos(w.pos[0]);
      this.add('warning', { line: pos.line, col: pos.col }, `YAML: ${firstLine(w.message)}`, {});
    }
  }

  // A few lines of nested aliases (`&a [x, x]`, `&b [*a, *a]`, ...) name billions of values: reading
  // them would take every command GBs and minutes. Counts the values aliases add once followed (each
  // node once, memoised: linear in the file) and refuses the file past a bound no real file reaches.
  private refuseAliasBomb(): void {
    const sizes = new Map<unknown, number>();
    const open = new Set<unknown>();
    let firstAlias: Node | null = null;
    let written = 0; // values as written, each alias counting one
    const size = (node: unknown): number => {
      if (node === null || node === undefined) return 0;
      const known = sizes.get(node);
      if (known !== undefined) return known;
      if (open.has(node)) return Infinity; // an alias inside the node it names
      open.add(node);
      written++;
      let n = 1;
      if (isAlias(node)) {
        firstAlias ??= node as unknown as Node;
        n = size(node.resolve(this.doc));
      } else if (isMap(node)) {
        for (const pair of node.items) n += size(pair.key) + size(pair.value);
      } else if (isSeq(node)) {
        for (const item of node.items) n += size(item);
      }
      open.delete(node);
      sizes.set(node, n);
      return n;
    };
    if (size(this.doc.contents) - written <= MAX_ALIAS_VALUES) return;
    this.report(
      'error',
      firstAlias,
      `YAML aliases (\`*name\`) expand to more than ${MAX_ALIAS_VALUES.toLocaleString('en-US')} values (or refer to themselves); refused`,
      'write the values out, or use fewer nested aliases (`&anchor` ... `*anchor`)',
    );
  }

  // 1-based line of a character of the text.
  lineAt(offset: number): number {
    return this.lines.linePos(offset).line;
  }

  // 1-based line and column of a node's first character.
  position(node: Node | null | undefined): { line?: number; col?: number } {
    if (!node?.range) return {};
    const pos = this.lines.linePos(node.range[0]);
    return { line: pos.line, col: pos.col };
  }

  // `file:line:col` of a node, for messages that mention a second place.
  where(node: Node | null | undefined): string {
    const p = this.position(node);
    return p.line === undefined ? (this.file ?? '') : `${this.file ?? ''}:${p.line}:${p.col}`;
  }

  report(severity: Severity, node: Node | null | undefined, message: string, hint?: string): void {
    this.add(severity, this.position(node), message, hint === undefined ? {} : { hint });
  }

  private add(
    severity: Severity,
    pos: { line?: number; col?: number },
    message: string,
    extra: { hint?: string; excerpt?: string | undefined },
  ): void {
    const d: Diagnostic = { severity, message };
    if (this.file !== undefined) d.file = this.file;
    if (pos.line !== undefined) d.line = pos.line;
    if (pos.col !== undefined) d.col = pos.col;
    if (extra.hint !== undefined) d.hint = extra.hint;
    if (extra.excerpt !== undefined) d.excerpt = extra.excerpt;
    this.diagnostics.push(d);
  }

  // Follows `*alias` references to the node they name.
  resolve(node: unknown): Node | null {
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return (node as Node | null) ?? null;
  }

  // A node's value with YAML types kept (aliases followed; mapping keys as strings).
  toValue(node: unknown): ParamValue {
    const n = this.resolve(node);
    if (n === null) return null;
    if (isScalar(n)) return scalarValue(n.value);
    if (isSeq(n)) return n.items.map((item) => this.toValue(item));
    if (isMap(n)) {
      const out: { [key: string]: ParamValue } = {};
      for (const pair of n.items)
        out[String(isScalar(pair.key) ? pair.key.value : pair.key)] = this.toValue(pair.value);
      return out;
    }
    return null;
  }
}

function scalarValue(v: unknown): ParamValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

// True for a scalar written as a decimal float (`1.0`, `2.`, `1e3`), whose value may be integral.
export function isFloatLiteral(node: unknown): boolean {
  if (!isScalar(node) || typeof node.value !== 'number' || typeof node.source !== 'string') return false;
  return /^[-+]?(\.\d+|\d+\.\d*|\d+(\.\d*)?[eE][-+]?\d+)$/.test(node.source);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

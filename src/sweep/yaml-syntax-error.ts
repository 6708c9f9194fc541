import { Parser } from 'yaml';

// A YAML syntax error as a user should read it. The parser reports where it noticed the problem,
// which for an unclosed `[`, `{` or quote is the line after (or the end of the file): the place
// named here is the one to fix, with what is wrong in words. Pure.

export interface YamlSyntaxProblem {
  /** Offset in the text of the character to fix. */
  offset: number;
  message: string;
  hint: string;
}

const CLOSERS: Record<string, string> = { '[': ']', '{': '}' };

/** The problem behind the parser's error `code`/`message` at `offset`. */
export function describeYamlError(
  text: string,
  error: { code: string; message: string; offset: number },
): YamlSyntaxProblem {
  const opener = unclosedBefore(text, error.offset);
  if (opener !== null) {
    const ch = text[opener]!;
    const quote = ch === '"' || ch === "'";
    return {
      offset: opener,
      message: quote ? `the quote ${ch} opened here is not closed` : `\`${ch}\` opened here is not closed`,
      hint: quote
        ? `end the value with ${ch} on this line (a value that holds ${ch} is quoted with the other quote)`
        : `close it with \`${CLOSERS[ch]}\` (a list or mapping written inline ends on the line it starts, or on more indented lines below)`,
    };
  }
  const offset = firstWordOfLine(text, Math.min(error.offset, lastCharacter(text)));
  const parser = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  switch (error.code) {
    case 'TAB_AS_INDENT':
      return {
        offset,
        message: 'a tab in the indentation',
        hint: 'indent with spaces only (YAML refuses tabs there)',
      };
    case 'BAD_INDENT':
      return {
        offset,
        message: `this line's indentation does not match the lines above it (${parser})`,
        hint: 'indent a key like the other keys of its mapping, and a nested value more than its key',
      };
    case 'MULTILINE_IMPLICIT_KEY':
    case 'MISSING_CHAR':
      return {
        offset,
        message: `a key without \`:\`, or a \`:\` without a space after it (${parser})`,
        hint: 'write `key: value` (a space after the colon), or `- item` for a list item',
      };
    default:
      return {
        offset,
        message: parser,
        hint: 'fix the YAML syntax at this line (indentation, a missing `:` or closing bracket, a tab)',
      };
  }
}

/** The offset of the latest `[`, `{` or quote before `offset` that is never closed, if any. */
function unclosedBefore(text: string, offset: number): number | null {
  let best: number | null = null;
  const visit = (token: unknown): void => {
    if (token === null || typeof token !== 'object') return;
    if (Array.isArray(token)) {
      for (const t of token) visit(t);
      return;
    }
    const t = token as { type?: string; offset?: number; source?: string; start?: unknown; end?: unknown };
    const at = unclosedAt(t);
    if (at !== null && at <= offset && (best === null || at > best)) best = at;
    for (const value of Object.values(t)) if (typeof value === 'object') visit(value);
  };
  for (const token of new Parser().parse(text)) visit(token);
  return best;
}

function unclosedAt(t: { type?: string; offset?: number; source?: string; start?: unknown; end?: unknown }) {
  if (t.type === 'flow-collection') {
    const start = t.start as { source: string; offset: number };
    const closer = CLOSERS[start.source];
    const end = (t.end ?? []) as { source?: string }[];
    return closer && !end.some((e) => e.source === closer) ? start.offset : null;
  }
  if ((t.type === 'double-quoted-scalar' || t.type === 'single-quoted-scalar') && t.source !== undefined) {
    const q = t.source[0]!;
    const closed = t.source.length >= 2 && t.source.endsWith(q);
    return closed ? null : (t.offset ?? null);
  }
  return null;
}

/** The last character that is not a line break (an error reported at the end of the file belongs
 * to the last line written, not to the empty one after it). */
function lastCharacter(text: string): number {
  let i = text.length - 1;
  while (i > 0 && (text[i] === '\n' || text[i] === '\r')) i--;
  return Math.max(0, i);
}

/** At the start of a line, its first character that is not a space: where an indentation is wrong. */
function firstWordOfLine(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] !== '\n') return offset;
  let i = offset;
  while (text[i] === ' ') i++;
  return text[i] === '\n' || i >= text.length ? offset : i;
}

import { decodeBytes } from '../output/byte-text.js';
import { beginMarker, buildRunLine } from './command-framing.js';
import { normalizeNewlines, stripTerminalEscapes } from './terminal-text.js';

// Finds one command's output in what a session sends back, as it arrives: everything before the
// begin marker is ignored (prompts, echo), complete lines after it are released at once (cleaned
// of terminal escapes, `\r\n` as `\n`, decoded), and the end marker, printed right after the
// output (no line end of its own before it, so a line is never held back), ends it with the exit
// code. Linear in the output: a chunk is looked at
// once (plus the few characters before it that could start a marker), and a long line without a
// newline is kept as a list of chunks, joined once.
//
// Text is binary (latin1: one char per byte); each released piece ends with a `\n` (or at the end
// marker), never inside a UTF-8 character.

export interface FramerEnd {
  exitCode: number;
  /** What came after the end marker (for the session to discard). */
  rest: string;
}

export class OutputFramer {
  private begun = false;
  private beforeBegin = '';
  /** Unreleased output since the last released line end. */
  private pending: string[] = [];
  /** The last characters of the pending text, to find a marker cut between two chunks. */
  private tail = '';
  private atStart = true;
  private readonly begin: string;
  private readonly endPrefix: string;
  ended: FramerEnd | null = null;

  /** The line to type that runs the stored command between this framer's markers. */
  readonly runLine: string;

  constructor(
    beginToken: string,
    endToken: string,
    private readonly release: (text: string) => void,
  ) {
    this.begin = beginMarker(beginToken);
    this.endPrefix = `__HSM_E_${endToken}_`;
    this.runLine = buildRunLine(beginToken, endToken);
  }

  get hasBegun(): boolean {
    return this.begun;
  }

  // Adds raw session text; releases complete lines; sets `ended` when the end marker has come.
  push(chunk: string): void {
    if (this.ended) {
      this.ended.rest += chunk;
      return;
    }
    if (!this.begun) {
      const text = this.beforeBegin + chunk;
      const at = text.indexOf(this.begin);
      if (at < 0) {
        // keep enough to find a marker cut in two; prompts and echo before it are of no interest
        this.beforeBegin = text.slice(-this.begin.length);
        return;
      }
      this.begun = true;
      this.beforeBegin = '';
      chunk = text.slice(at + this.begin.length);
    }
    const window = this.tail + chunk;
    const at = window.indexOf(this.endPrefix);
    if (at >= 0) {
      const m = /^(\d+)__/.exec(window.slice(at + this.endPrefix.length, at + this.endPrefix.length + 16));
      if (!m) {
        // the exit code is still on its way: wait for it (the prefix is kept in the tail)
        this.pending.push(chunk);
        this.tail = window.slice(at);
        return;
      }
      // The marker may start in the tail (still pending: it holds no line end) or in this chunk.
      const all = this.pending.join('') + chunk;
      const markerAt = all.length - window.length + at;
      this.pending = [];
      this.releaseText(all.slice(0, markerAt));
      this.ended = {
        exitCode: Number(m[1]),
        rest: all.slice(markerAt + this.endPrefix.length + m[0].length),
      };
      return;
    }
    this.pending.push(chunk);
    this.tail = window.slice(-(this.endPrefix.length + 16));
    const nl = chunk.lastIndexOf('\n');
    if (nl < 0) return;
    const all = this.pending.join('');
    const cut = all.length - (chunk.length - nl - 1);
    this.pending = cut < all.length ? [all.slice(cut)] : [];
    this.releaseText(all.slice(0, cut));
  }

  // The output not released yet, for a command that did not finish (timeout, abort, lost session).
  flush(): void {
    const all = this.pending.join('');
    this.pending = [];
    this.tail = '';
    this.releaseText(all);
  }

  private releaseText(raw: string): void {
    let text = normalizeNewlines(stripTerminalEscapes(raw));
    // the begin marker's own line end
    if (this.atStart && text !== '') {
      if (text.startsWith('\n')) text = text.slice(1);
      this.atStart = false;
    }
    if (text !== '') this.release(decodeBytes(Buffer.from(text, 'latin1')));
  }
}

import { encodeBytes } from './byte-text.js';

// What a node prints must not drive the user's terminal: a cursor move, a `\r` or an OSC title
// sequence could overwrite the node's own prefix or forge another node's line. On a terminal,
// control characters are shown escaped as `cat -v` does (`^[`, `^M`, `^?`, C1 as `M-^[`) and bytes
// that are not valid UTF-8 as `\xNN`; tab and newline pass. Files, pipes and JSON get the bytes
// as they were (`--raw` gives them to a terminal too).

const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]|(?<![\ud800-\udbff])[\udc80-\udcff]/g;

// Escapes control characters and invalid bytes (see above); everything else is left alone.
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const c = ch.charCodeAt(0);
    if (c >= 0xdc80) return `\\x${(c - 0xdc00).toString(16)}`;
    if (c === 0x7f) return '^?';
    if (c >= 0x80) return `M-^${String.fromCharCode(c - 0x80 + 0x40)}`;
    return `^${String.fromCharCode(c + 0x40)}`;
  });
}

// A writer of node output to `stream`: escaped when `escape`, else the original bytes.
export function outputWriter(stream: NodeJS.WritableStream, escape: boolean): (text: string) => void {
  return escape ? (text) => stream.write(escapeControls(text)) : (text) => stream.write(encodeBytes(text));
}

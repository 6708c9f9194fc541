import { decodeBytes } from '../output/byte-text.js';

// Cleaning what a terminal sends back. Text here is "binary" (latin1: one char per byte), so a
// UTF-8 character split across two pty reads is never damaged; callers decode UTF-8 at the end.

// CSI (`ESC [ ... final`, colours, cursor moves, bracketed-paste toggles `ESC[?2004h`), OSC
// (`ESC ] ... BEL` or `ESC ] ... ESC \`, window titles set by prompts), the paste brackets
// themselves (`ESC[200~`, a CSI too), charset selection (`ESC ( B`) and two-byte escapes
// (`ESC =`, `ESC >`, `ESC 7`). 8-bit C1 controls are NOT stripped: in UTF-8 text those bytes are
// continuation bytes of ordinary characters.
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()*+][0-9A-Za-z]|[@-Z\\^_=>78])/g;

// Removes terminal escape sequences (see ESCAPES for which).
export function stripTerminalEscapes(text: string): string {
  return text.replace(ESCAPES, '');
}

// A pty with `onlcr` turns every `\n` into `\r\n`; a program that already wrote `\r\n` then shows
// `\r\r\n`. Both become `\n`; a lone `\r` (progress bars) is kept.
export function normalizeNewlines(text: string): string {
  return text.replace(/\r+\n/g, '\n');
}

// Binary (latin1) text to the string users see: UTF-8 decoded, other bytes kept as U+DC80-U+DCFF
// (output/byte-text.ts), so files and pipes get them back exactly.
export function decodeTerminalBytes(binary: string): string {
  return decodeBytes(Buffer.from(binary, 'latin1'));
}

import { readFileSync } from 'node:fs';
import { HsmError } from '../../domain/errors.js';
import { NodeSet } from '../nodeset/index.js';

// `--hosts-file F`: one node (or node set, `gpu[1-4]`) per line; `#` starts a comment; blank
// lines are skipped. Errors name the file and line.

// Parses the text of a hosts file into node names, without duplicates (in file order; a node set
// sorts them anyway).
// `groups` resolves `@group` lines.
export function parseHostsFile(text: string, file: string, groups?: (name: string) => NodeSet): string[] {
  const names = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    try {
      for (const n of NodeSet.parse(line, groups)) names.add(n);
    } catch (err) {
      const e = err as HsmError;
      throw new HsmError('config', `${file}:${i + 1}: ${e.message}`, { evidence: e.evidence, hint: e.hint });
    }
  });
  return [...names];
}

// Reads a hosts file; a missing or unreadable file is a usage error naming it.
export function readHostsFile(file: string, groups?: (name: string) => NodeSet): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new HsmError('usage', `Cannot read the hosts file ${file}: ${(err as Error).message}`, {
      hint: 'Give a file with one host (or node set such as node[01-16]) per line.',
    });
  }
  return parseHostsFile(text, file, groups);
}

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layer rule of docs/ARCHITECTURE.md: each folder imports only what its layer may see. A
// violation names the file and the import so the fix is obvious.

const SRC = resolve(__dirname, '../src');
const CORE = ['domain', 'sweep', 'diagnose', 'engine'];
// What each folder may import besides itself, as docs/ARCHITECTURE.md draws it. Adapters are not one
// pool: each names the adapters it builds on, and state/ and compute/ never import each other (what
// both read in a task directory, the runner's records, is in process/). `remote/nodeset` names a
// sub-folder: config/ checks node sets with that pure parser and imports nothing else of remote/.
const ALLOWED: Record<string, string[]> = {
  domain: [],
  sweep: ['domain'],
  diagnose: ['domain'],
  engine: ['domain', 'sweep', 'diagnose'],
  matrix: ['domain', 'sweep'],
  process: ['domain'],
  config: ['domain', 'sweep', 'remote/nodeset'],
  state: [...CORE, 'process'],
  remote: [...CORE, 'config', 'process'],
  compute: [...CORE, 'config', 'remote', 'process'],
  results: [...CORE, 'state'],
  sync: [...CORE, 'config', 'remote', 'state', 'process'],
  report: [...CORE],
  api: [...CORE, 'matrix', 'process', 'config', 'state', 'remote', 'compute', 'results', 'sync', 'report'],
  web: ['domain', 'api'],
  cli: ['domain', 'api', 'web'],
};

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

const layerOf = (file: string) => relative(SRC, file).split('/')[0]!.replace(/\.ts$/, '');
// `target` is a path relative to src/; an allowed entry is a folder (`state`) or a sub-folder
// (`remote/nodeset`).
const isAllowed = (from: string, target: string) =>
  (ALLOWED[from] ?? []).some((a) => target === a || target.startsWith(a + '/'));

describe('architecture', () => {
  it('every import respects the layers (cli may import types from anywhere, values only from api and domain)', () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const from = layerOf(file);
      if (!ALLOWED[from]) {
        violations.push(`${relative(SRC, file)}: folder "${from}" has no layer in docs/ARCHITECTURE.md`);
        continue;
      }
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'/gm)) {
        const targetPath = relative(SRC, resolve(dirname(file), m[3]!));
        const target = layerOf(join(SRC, targetPath));
        const typeOnly = Boolean(m[2]);
        if (target === from || isAllowed(from, targetPath) || (typeOnly && from === 'cli')) continue;
        violations.push(`${relative(SRC, file)} imports ${m[3]} (${from} -> ${target})`);
      }
      if (
        [...CORE, 'matrix'].includes(from) &&
        /from 'node:child_process'|from 'better-sqlite3'|from 'node:fs'/.test(text) &&
        !(from === 'sweep' && file.endsWith('load-sweep.ts'))
      ) {
        violations.push(
          `${relative(SRC, file)}: the pure core must not spawn processes, read files or open the database`,
        );
      }
    }
    expect(violations).toEqual([]);
  });
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layer rule of docs/ARCHITECTURE.md: each folder imports only what its layer may see. A
// violation names the file and the import so the fix is obvious.

const SRC = resolve(__dirname, '../src');
const ADAPTERS = ['compute', 'remote', 'state', 'config', 'process', 'sync', 'results'];
const ALLOWED: Record<string, string[]> = {
  domain: ['domain'],
  sweep: ['domain', 'sweep'],
  diagnose: ['domain', 'diagnose'],
  report: ['domain', 'report'],
  engine: ['domain', 'sweep', 'diagnose', 'report', 'engine'],
  ...Object.fromEntries(
    ADAPTERS.map((a) => [a, ['domain', 'sweep', 'diagnose', 'report', 'engine', ...ADAPTERS]]),
  ),
  api: ['domain', 'sweep', 'diagnose', 'report', 'engine', ...ADAPTERS, 'api'],
  cli: ['domain', 'api', 'cli'],
  web: ['domain', 'api', 'web'],
};

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

const layerOf = (file: string) => relative(SRC, file).split('/')[0]!.replace(/\.ts$/, '');

describe('architecture', () => {
  it('every import respects the layers (cli may import types from anywhere, values only from api)', () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const from = layerOf(file);
      const allowed = ALLOWED[from];
      if (!allowed) {
        violations.push(`${relative(SRC, file)}: folder "${from}" has no layer in docs/ARCHITECTURE.md`);
        continue;
      }
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'/gm)) {
        const target = layerOf(resolve(dirname(file), m[3]!));
        const typeOnly = Boolean(m[2]);
        if (allowed.includes(target) || (typeOnly && (from === 'cli' || from === 'web'))) continue;
        violations.push(`${relative(SRC, file)} imports ${m[3]} (${from} -> ${target})`);
      }
      if (
        ['domain', 'sweep', 'diagnose', 'report', 'engine'].includes(from) &&
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

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, statSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readLocalManifest } from '../../../src/remote/session-sync/local-manifest.js';

const RULES = { protectedPaths: ['/.hsm/', '/outputs/'], excludes: ['*.ckpt'], withoutGit: true };
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('the local manifest of a push', () => {
  test('the sync filter rules decide the files: .gitignore, excludes, outputs, .hsm/ and .git/ stay out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hsm-lm-'));
    for (const d of ['src', 'outputs', '.git', 'logs']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, '.gitignore'), 'logs/\n');
    writeFileSync(join(dir, 'src/a b.py'), 'a');
    writeFileSync(join(dir, 'logs/x'), 'x');
    writeFileSync(join(dir, 'outputs/r'), 'r');
    writeFileSync(join(dir, '.git/HEAD'), 'h');
    writeFileSync(join(dir, 'm.ckpt'), 'c');
    const m = await readLocalManifest(dir, RULES);
    expect(m.map((e) => `${e.type} ${e.path}`).sort()).toEqual([
      'dir src',
      'file .gitignore',
      'file src/a b.py',
    ]);
    expect(m.find((e) => e.path === 'src/a b.py')?.sha).toBe(sha('a'));
  });

  test('hashes come from the cache only while a file is untouched: a same-size edit with its mtime put back is seen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hsm-lm-'));
    const f = join(dir, 'train.py');
    writeFileSync(f, 'lr = 0.1\n');
    utimesSync(f, 1_700_000_000, 1_700_000_000); // whole seconds: exactly restorable below
    expect((await readLocalManifest(dir, RULES))[0]!.sha).toBe(sha('lr = 0.1\n'));
    expect(existsSync(join(dir, '.hsm/session-sync/local-hashes.json'))).toBe(true);
    writeFileSync(f, 'lr = 0.2\n');
    utimesSync(f, 1_700_000_000, 1_700_000_000); // same size, same mtime: only the ctime tells
    expect(statSync(f, { bigint: true }).mtimeNs).toBe(1_700_000_000_000_000_000n);
    expect((await readLocalManifest(dir, RULES))[0]!.sha).toBe(sha('lr = 0.2\n'));
  });
});

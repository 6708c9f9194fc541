import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readLocalManifest } from '../../../src/remote/session-sync/local-manifest.js';
import { until } from '../../helpers/wait.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const RULES = { protectedPaths: ['/.hsm/', '/outputs/'], excludes: ['*.ckpt'], withoutGit: true };
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('the local manifest of a push', () => {
  test('the sync filter rules decide the files: .gitignore, excludes, outputs, .hsm/ and .git/ stay out', async () => {
    const dir = makeTempDir('hsm-lm-');
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
    const dir = makeTempDir('hsm-lm-');
    const f = join(dir, 'train.py');
    writeFileSync(f, 'lr = 0.1\n');
    utimesSync(f, 1_700_000_000, 1_700_000_000); // whole seconds: exactly restorable below
    expect((await readLocalManifest(dir, RULES))[0]!.sha).toBe(sha('lr = 0.1\n'));
    expect(existsSync(join(dir, '.hsm/session-sync/local-hashes'))).toBe(true);
    writeFileSync(f, 'lr = 0.2\n');
    utimesSync(f, 1_700_000_000, 1_700_000_000); // same size, same mtime: only the ctime tells
    expect(statSync(f, { bigint: true }).mtimeNs).toBe(1_700_000_000_000_000_000n);
    expect((await readLocalManifest(dir, RULES))[0]!.sha).toBe(sha('lr = 0.2\n'));
  });

  test('a file changed in the last two seconds is hashed again next time: a second write within the same clock tick keeps its stat data', async () => {
    const dir = makeTempDir('hsm-lm-');
    writeFileSync(join(dir, 'old.py'), 'old');
    utimesSync(join(dir, 'old.py'), 1_700_000_000, 1_700_000_000);
    writeFileSync(join(dir, 'new.py'), 'new');
    await readLocalManifest(dir, RULES);
    // the paths in the cache file (its first line `hsm-local-hashes 4 <n> <text bytes>`, then
    // `path\0<sha>\0` per file, then their stat data)
    const remembered = () => {
      const raw = readFileSync(join(dir, '.hsm/session-sync/local-hashes'));
      const nl = raw.indexOf(10);
      const textBytes = Number(raw.toString('latin1', 0, nl).split(' ')[3]);
      return raw
        .toString('utf8', nl + 1, nl + 1 + textBytes)
        .split('\0')
        .filter((_, i) => i % 2 === 0 && _ !== '')
        .sort();
    };
    // old.py's ctime is recent too (utimes sets it): neither is remembered yet
    expect(remembered()).toEqual([]);
    // once both are older, a scan remembers them
    await until(
      'both hashes remembered',
      async () => {
        await readLocalManifest(dir, RULES);
        return remembered().length === 2;
      },
      30_000,
      200,
    );
    expect(remembered()).toEqual(['new.py', 'old.py']);
  });
});

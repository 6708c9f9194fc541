import {
  mkdirSync,
  openSync,
  closeSync,
  ftruncateSync,
  writeSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfinedFile, resolveInside } from '../../src/state/confined-file.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// Reading files of a sweep directory for the dashboard: a 1 GB log costs one read of the slice asked
// for; slices never cut a UTF-8 character; nothing outside the directory is reachable.

function sweepDir(): string {
  const root = makeTempDir('hsm-confined-');
  mkdirSync(join(root, 'sweep', 'tasks', 'task_001'), { recursive: true });
  return join(root, 'sweep');
}

describe('confined files', () => {
  it('tails a 1 GB log with one small read, and reads on from an offset', () => {
    const dir = sweepDir();
    const path = join(dir, 'tasks', 'task_001', 'stdout.log');
    const fd = openSync(path, 'w');
    ftruncateSync(fd, 1 << 30); // sparse: 1 GB of zeros on no disk
    writeSync(fd, 'last line\n', (1 << 30) - 10);
    closeSync(fd);
    const t0 = performance.now();
    const tail = readConfinedFile(dir, 'tasks/task_001/stdout.log', { maxBytes: 65536 });
    expect(performance.now() - t0).toBeLessThan(500);
    expect(tail.size).toBe(1 << 30);
    expect(tail.to).toBe(1 << 30);
    expect(tail.from).toBe((1 << 30) - 65536);
    expect(tail.text.endsWith('last line\n')).toBe(true);
    const next = readConfinedFile(dir, 'tasks/task_001/stdout.log', { from: 100, maxBytes: 1000 });
    expect([next.from, next.to, next.text.length]).toEqual([100, 1100, 1000]);
    // a file that shrank (a new attempt) is read again from its start
    writeFileSync(path, 'new attempt\n');
    expect(readConfinedFile(dir, 'tasks/task_001/stdout.log', { from: 5000 })).toMatchObject({
      from: 0,
      text: 'new attempt\n',
    });
  });

  it('never cuts a UTF-8 character: the cut one comes with the next read', () => {
    const dir = sweepDir();
    writeFileSync(join(dir, 'tasks', 'task_001', 'stdout.log'), 'aé€😀b');
    let from = 0;
    let text = '';
    for (let i = 0; i < 20 && from < 11; i++) {
      const s = readConfinedFile(dir, 'tasks/task_001/stdout.log', { from, maxBytes: 2 + (i % 2) });
      text += s.text;
      from = s.to;
    }
    expect(text).toBe('aé€😀b');
  });

  it('refuses .., absolute paths and symlinks that lead out; allows symlinks that stay in', () => {
    const dir = sweepDir();
    writeFileSync(join(dir, '..', 'secret'), 'x');
    writeFileSync(join(dir, 'tasks', 'task_001', 'params.yaml'), 'x: 1\n');
    symlinkSync(join(dir, '..', 'secret'), join(dir, 'tasks', 'task_001', 'out'));
    symlinkSync(join(dir, 'tasks', 'task_001', 'params.yaml'), join(dir, 'tasks', 'task_001', 'in'));
    for (const name of [
      '../secret',
      'tasks/../../secret',
      join(dir, '..', 'secret'),
      'tasks/task_001/out',
      '',
      'a\0b',
    ])
      expect(() => resolveInside(dir, name), name).toThrow(/no such file in the sweep directory/);
    expect(readConfinedFile(dir, 'tasks/task_001/in').text).toBe('x: 1\n');
  });
});

import { describe, expect, test } from 'vitest';
import {
  cmp,
  mergeShas,
  parseListing,
  parseShas,
  parsePaths,
  planPush,
  serializeListing,
  serializeShas,
  type ManifestEntry,
  type RemoteEntry,
  type RemoteState,
} from '../../../src/remote/session-sync/manifest.js';
import { modelAfter } from '../../../src/remote/session-sync/node-model.js';
import { planPull } from '../../../src/remote/session-sync/pull-plan.js';

const f = (path: string, sha: string, size = 3, mode = 0o644): ManifestEntry => ({
  path,
  type: 'file',
  mode,
  size,
  mtime: 1,
  sha,
});
const r = (
  path: string,
  type: RemoteEntry['type'],
  size = 3,
  mtimeText = '1.0',
  mode = 0o644,
  target = '',
): RemoteEntry => ({
  path,
  type,
  mode,
  size,
  mtimeText,
  target,
});
const state = (
  entries: RemoteEntry[],
  pushed: [string, string][] = [],
  changed: string[] | null = [],
): RemoteState => ({
  entries: new Map(entries.map((e) => [e.path, e])),
  changed: changed && new Set(changed),
  shas: new Map(pushed),
  chunks: new Set(),
});

describe('planPush', () => {
  test('a file the last push wrote, unchanged since it ended, is trusted by its recorded hash', () => {
    const plan = planPush(
      [f('a', 'A'), f('b', 'B2')],
      state(
        [r('a', 'file'), r('b', 'file')],
        [
          ['a', 'A'],
          ['b', 'B'],
        ],
      ),
    );
    expect(plan.send.map((e) => e.path)).toEqual(['b']);
    expect(plan.unchanged).toBe(1);
    expect(plan.needHash).toEqual([]);
  });

  test('a file changed on the node since the push ended (same size) is hashed there, then compared', () => {
    const s = state(
      [r('a', 'file'), r('b', 'file')],
      [
        ['a', 'A'],
        ['b', 'B'],
      ],
      ['a'],
    );
    expect(planPush([f('a', 'A'), f('b', 'B')], s).needHash).toEqual(['a']);
    expect(planPush([f('a', 'A'), f('b', 'B')], s, new Map([['a', 'X']])).send.map((e) => e.path)).toEqual([
      'a',
    ]);
    expect(planPush([f('a', 'A'), f('b', 'B')], s, new Map([['a', 'A']])).unchanged).toBe(2);
    // no push ended there (no token): nothing is vouched for
    expect(
      planPush(
        [f('a', 'A'), f('b', 'B')],
        state(
          [r('a', 'file'), r('b', 'file')],
          [
            ['a', 'A'],
            ['b', 'B'],
          ],
          null,
        ),
      ).needHash,
    ).toEqual(['a', 'b']);
  });

  test('deletions touch only what a push wrote; a type change removes what is in the way first', () => {
    const s = state(
      [
        r('old.py', 'file'),
        r('node-made.log', 'file'),
        r('gone', 'dir'),
        r('gone/x', 'file'),
        r('swap', 'dir'),
      ],
      [
        ['old.py', 'O'],
        ['gone', '-'],
        ['gone/x', 'X'],
        ['swap', '-'],
      ],
    );
    const plan = planPush([f('swap', 'S')], s);
    expect(plan.remove.sort()).toEqual(['gone/x', 'old.py', 'swap']);
    expect(plan.rmdir).toEqual(['gone']);
    expect(plan.send.map((e) => e.path)).toEqual(['swap']);
  });

  test('mode-only changes and symlink targets', () => {
    const plan = planPush(
      [
        f('run.sh', 'R', 3, 0o755),
        { path: 'l', type: 'symlink', mode: 0o777, size: 0, mtime: 1, target: 'new' },
      ],
      state(
        [r('run.sh', 'file'), r('l', 'symlink', 3, '1.0', 0o777, 'old')],
        [
          ['run.sh', 'R'],
          ['l', '-'],
        ],
      ),
    );
    expect(plan.chmod).toEqual([{ path: 'run.sh', mode: 0o755 }]);
    expect(plan.remove).toEqual(['l']);
    expect(plan.send.map((e) => e.path)).toEqual(['l']);
  });

  test('what changed since the whole record stays one entry per path, however many pushes laid it over', () => {
    let added: Buffer = Buffer.alloc(0);
    for (let i = 0; i < 5; i++) {
      const m = mergeShas(added, [f('a.py', `A${i}`), f('b c.py', `B${i}`)], i === 4 ? ['gone.py'] : []);
      added = m.data;
      expect(m.entries).toBe(i === 4 ? 3 : 2);
    }
    // laid over the whole record: the latest of each path, a removed one gone
    const whole = serializeShas([f('a.py', 'A'), f('gone.py', 'G'), f('kept.py', 'K')]);
    expect([...parseShas(Buffer.concat([whole, added]))].sort()).toEqual([
      ['a.py', 'A4'],
      ['b c.py', 'B4'],
      ['kept.py', 'K'],
    ]);
    // a path back after its removal
    const back = mergeShas(added, [f('gone.py', 'G2')], []);
    expect(parseShas(Buffer.concat([whole, back.data])).get('gone.py')).toBe('G2');
  });

  test('the record of a push and a find listing parse back', () => {
    const entries = [
      f('a b/ü\nx', 'S1'),
      { path: 'd', type: 'dir' as const, mode: 0o755, size: 0, mtime: 1 },
    ];
    expect([...parseShas(serializeShas(entries))]).toEqual([
      ['a b/ü\nx', 'S1'],
      ['d', '-'],
    ]);
    const listing = Buffer.from(
      'd 755 4096 1.5 \0\0f 644 3 1700000000.123456789 a b/ü\nx\0\0l 777 4 2.0 ln\0tgt\0',
      'utf8',
    );
    const parsed = parseListing(listing);
    expect([...parsed.keys()]).toEqual(['a b/ü\nx', 'ln']);
    expect(parsed.get('a b/ü\nx')).toMatchObject({
      type: 'file',
      mode: 0o644,
      size: 3,
      mtimeText: '1700000000.123456789',
    });
    expect(parsed.get('ln')).toMatchObject({ type: 'symlink', target: 'tgt' });
    // stat(1)'s fallback keeps find's `./`; a damaged record is left out, not guessed at
    const fallback = parseListing(
      Buffer.from('f 600 7 1700000000.1700000001 ./x y\0\0f 6x4 3 1.0 bad\0\0f 644  1.0 bad2\0\0', 'utf8'),
    );
    expect([...fallback.values()]).toEqual([
      { path: 'x y', type: 'file', mode: 0o600, size: 7, mtimeText: '1700000000.1700000001', target: '' },
    ]);
  });
});

describe('modelAfter: the copy on the node after a push, derived from the plan', () => {
  test('removals (with what is below), directories removed only when empty, modes, entries sent; files the node made stay', () => {
    const before = state(
      [
        r('old', 'dir', 0, '1', 0o755),
        r('old/x.py', 'file'),
        r('gone', 'dir', 0, '1', 0o755),
        r('kept', 'dir', 0, '1', 0o755),
        r('kept/out.log', 'file', 10),
        r('run.sh', 'file'),
        r('swap', 'dir', 0, '1', 0o755),
        r('swap/y', 'file'),
        r('made-there.txt', 'file', 7),
      ],
      [
        ['old', '-'],
        ['old/x.py', 'X'],
        ['gone', '-'],
        ['kept', '-'],
        ['run.sh', 'R'],
        ['swap', '-'],
        ['swap/y', 'Y'],
      ],
    );
    const local = [
      f('run.sh', 'R', 3, 0o755),
      f('swap', 'S', 5),
      f('new.py', 'N', 4),
      { path: 'ln', type: 'symlink' as const, mode: 0o777, size: 0, mtime: 1, target: 'run.sh' },
    ];
    const plan = planPush(local, before);
    const after = modelAfter(before.entries, plan);
    expect([...after.keys()].sort()).toEqual([
      'kept',
      'kept/out.log',
      'ln',
      'made-there.txt',
      'new.py',
      'run.sh',
      'swap',
    ]);
    expect(after.get('run.sh')).toMatchObject({ type: 'file', mode: 0o755, size: 3 });
    expect(after.get('swap')).toMatchObject({ type: 'file', size: 5 });
    expect(after.get('ln')).toMatchObject({ type: 'symlink', target: 'run.sh' });
    // planned again on the model: nothing left to do
    const model = {
      ...state([]),
      entries: parseListing(serializeListing(after.values())),
      shas: new Map([...before.shas, ...local.map((e) => [e.path, e.sha ?? '-'] as [string, string])]),
    };
    const again = planPush(local, model);
    expect(again.send).toEqual([]);
    expect(again.chmod).toEqual([]);
    expect(again.needHash).toEqual([]);
  });

  test('find -print0 paths parse without the ./ find prints (the root itself is the empty path)', () => {
    expect([...parsePaths(Buffer.from('.\0./a b/ü\0./.hidden\0', 'utf8'))]).toEqual(['', 'a b/ü', '.hidden']);
  });
});

describe('planPull', () => {
  test('missing and resized files are fetched, same-size ones compared by hash, local extras kept unless delete', () => {
    const remote = new Map([
      ['new', r('new', 'file')],
      ['big', r('big', 'file', 9)],
      ['same', r('same', 'file')],
      ['d', r('d', 'dir', 0, '1', 0o755)],
    ]);
    const local = [
      f('big', 'B'),
      f('same', 'S'),
      f('mine.txt', 'M'),
      { path: 'd', type: 'dir' as const, mode: 0o755, size: 0, mtime: 1 },
    ];
    const first = planPull(remote, local, { delete: false });
    expect(first.fetch.map((e) => e.path)).toEqual(['big', 'new']);
    expect(first.needHash).toEqual(['same']);
    const second = planPull(remote, local, { delete: true, hashed: new Map([['same', 'S']]) });
    expect(second.fetch.map((e) => e.path)).toEqual(['big', 'new']);
    expect(second.remove).toEqual(['mine.txt']);
    expect(second.unchanged).toBe(2);
  });
});

describe('cmp: the byte order of UTF-8 names', () => {
  test('agrees with comparing the UTF-8 bytes, where UTF-16 order does not', () => {
    const names = ['a', 'a/b', 'a b', 'ab', 'é', 'z', '\u{e000}', '😀', '😁', 'x😀', 'x\u{e000}', 'x', ''];
    const bytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
    for (const a of names) for (const b of names) expect(Math.sign(cmp(a, b)), `${a} ${b}`).toBe(bytes(a, b));
    // UTF-16 puts U+1F600 (a surrogate pair) before U+E000; UTF-8 after it
    expect(cmp('\u{e000}', '😀')).toBeLessThan(0);
  });
});

import { spawnSync } from 'node:child_process';
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { paddingOf, TAR_END, tarHeader, type TarEntry } from '../../../src/remote/session-sync/tar-writer.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// The archive hsm writes is read by the node's real tar: checked here with this machine's GNU tar.
function archive(entries: { entry: TarEntry; content?: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  for (const { entry, content } of entries) {
    parts.push(tarHeader(entry));
    if (content) parts.push(content, Buffer.alloc(paddingOf(content.length)));
  }
  parts.push(TAR_END);
  return Buffer.concat(parts);
}

describe('tar writer', () => {
  test('names of every kind, modes, symlinks and directories come out of a real tar as written', () => {
    const long = `${'d'.repeat(120)}/${'n'.repeat(99)}`;
    const longer = `${'x'.repeat(90)}/${'y'.repeat(150)}.txt`;
    const files: [string, Buffer, number][] = [
      ['plain.txt', Buffer.from('hello\n'), 0o644],
      ['sp ace \'q" $x `y`.sh', Buffer.from('#!/bin/sh\n'), 0o755],
      ['ünï/cödé 名前.txt', Buffer.from('utf8'), 0o600],
      ['nl\nname', Buffer.from('n'), 0o644],
      [long, Buffer.from('long'), 0o640],
      [longer, Buffer.alloc(1000, 7), 0o644],
      ['empty', Buffer.alloc(0), 0o444],
    ];
    const entries: { entry: TarEntry; content?: Buffer }[] = [
      { entry: { path: 'ünï', type: 'dir', mode: 0o750, size: 0, mtime: 1700000000 } },
      { entry: { path: 'd'.repeat(120), type: 'dir', mode: 0o755, size: 0, mtime: 1 } },
      { entry: { path: 'x'.repeat(90), type: 'dir', mode: 0o755, size: 0, mtime: 1 } },
      ...files.map(([path, content, mode]) => ({
        entry: { path, type: 'file' as const, mode, size: content.length, mtime: 1700000000.7 },
        content,
      })),
      {
        entry: { path: 'link', type: 'symlink', mode: 0o777, size: 0, mtime: 1, target: 'ünï/cödé 名前.txt' },
      },
      {
        entry: {
          path: 'far',
          type: 'symlink',
          mode: 0o777,
          size: 0,
          mtime: 1,
          target: '/t/'.padEnd(150, 'z'),
        },
      },
    ];
    const dir = makeTempDir('hsm-tar-');
    const r = spawnSync('tar', ['-xpf', '-', '--no-same-owner', '-C', dir], { input: archive(entries) });
    expect(r.stderr.toString()).toBe('');
    expect(r.status).toBe(0);
    for (const [path, content, mode] of files) {
      expect(readFileSync(join(dir, path)), path).toEqual(content);
      expect(lstatSync(join(dir, path)).mode & 0o7777, path).toBe(mode);
    }
    expect(lstatSync(join(dir, 'plain.txt')).mtimeMs).toBe(1700000000_000);
    expect(lstatSync(join(dir, 'ünï')).mode & 0o7777).toBe(0o750);
    expect(readlinkSync(join(dir, 'link'))).toBe('ünï/cödé 名前.txt');
    expect(readlinkSync(join(dir, 'far'))).toBe('/t/'.padEnd(150, 'z'));
  });

  test('the same entry gives the same bytes (a resumed push recognises its chunks)', () => {
    const e: TarEntry = { path: 'a/ü.txt', type: 'file', mode: 0o644, size: 3, mtime: 5.5 };
    expect(tarHeader(e)).toEqual(tarHeader({ ...e }));
    expect(tarHeader(e).length % 512).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { NodeSet, foldNodeSet } from '../../../src/remote/nodeset/index.js';
import { HsmError } from '../../../src/domain/errors.js';

const expand = (e: string) => NodeSet.parse(e).toArray();

function errorOf(expression: string): HsmError {
  try {
    NodeSet.parse(expression);
  } catch (err) {
    return err as HsmError;
  }
  throw new Error(`no error for ${expression}`);
}

describe('node set expansion', () => {
  it('expands ranges and lists, keeping zero padding', () => {
    expect(expand('node[01-03,10],gpu[1-2]')).toEqual([
      'node01',
      'node02',
      'node03',
      'node10',
      'gpu1',
      'gpu2',
    ]);
    expect(expand('node[08-11]')).toEqual(['node08', 'node09', 'node10', 'node11']);
    expect(expand('n[1-100]')).toHaveLength(100);
    expect(expand('n[1-100]')[99]).toBe('n100');
  });

  it('expands several bracket groups as a product and honours steps', () => {
    expect(expand('rack[1-2]-n[1-2]')).toEqual(['rack1-n1', 'rack1-n2', 'rack2-n1', 'rack2-n2']);
    expect(expand('node[1-9/4]')).toEqual(['node1', 'node5', 'node9']);
  });

  it('removes exclusions and duplicates, keeping the written order', () => {
    expect(expand('node[1-6]!node[2,4]')).toEqual(['node1', 'node3', 'node5', 'node6']);
    expect(expand('b,a,b')).toEqual(['b', 'a']);
    expect(NodeSet.parse('node[1-5]').difference(NodeSet.parse('node[2-3]')).toArray()).toEqual([
      'node1',
      'node4',
      'node5',
    ]);
  });

  it('accepts user@host and fully qualified names', () => {
    expect(expand('root@login1,gpu[1-2].cluster.org')).toEqual([
      'root@login1',
      'gpu1.cluster.org',
      'gpu2.cluster.org',
    ]);
  });

  it('points at a reversed range with its column', () => {
    const e = errorOf('node[5-3]');
    expect(e.code).toBe('config');
    expect(e.message).toContain('bad range `5-3` in `node[5-3]` at column 6');
    expect(e.evidence).toBe('node[5-3]\n     ^');
  });

  it('points at the offending part of malformed expressions', () => {
    expect(errorOf('a,node[1-3').message).toContain('unclosed `[` at column 7');
    expect(errorOf('node1]').message).toContain('unmatched `]` at column 6');
    expect(errorOf('a,,b').message).toContain('empty node name at column 3');
    expect(errorOf('node[1-x]').message).toContain('bad range `1-x` in `node[1-x]` at column 6');
    expect(errorOf('gpu[1-2],node[1,3-2]').message).toContain(
      'bad range `3-2` in `node[1,3-2]` at column 17',
    );
    expect(errorOf('node[]').message).toContain('empty range');
    expect(errorOf('node[1-4]!').message).toContain('nothing to exclude');
  });

  it('refuses names that could become shell syntax or ssh options', () => {
    expect(errorOf('node1;rm').message).toContain('invalid character `;`');
    expect(errorOf('a,$(id)').message).toContain('invalid character `$`');
    expect(errorOf('a b').message).toContain('invalid character ` `');
    expect(errorOf('-oProxyCommand=x').message).toContain('starting with `-`');
  });
});

describe('node set folding', () => {
  it('folds consecutive numbers into ranges and keeps padding', () => {
    expect(foldNodeSet(['node01', 'node02', 'node03', 'node05'])).toBe('node[01-03,05]');
    expect(foldNodeSet(['node9', 'node10', 'node11'])).toBe('node[9-11]');
    expect(foldNodeSet(['node09', 'node10'])).toBe('node[09-10]');
    expect(foldNodeSet(['h0'])).toBe('h0');
    expect(foldNodeSet(['login', 'gpu2', 'gpu1'])).toBe('gpu[1-2],login');
  });

  it('round-trips: folding then expanding gives the same names', () => {
    for (const e of ['node[01-16,20],gpu[1-4]', 'n[1-3,7,9-12]', 'x[001-003],x[1-2]', 'rack[1-2]-n[1-3]']) {
      const names = expand(e);
      expect(new Set(expand(foldNodeSet(names)))).toEqual(new Set(names));
    }
  });

  it('iterates and reports size', () => {
    const set = NodeSet.parse('n[1-3]');
    expect([...set]).toEqual(['n1', 'n2', 'n3']);
    expect(set.size).toBe(3);
    expect(String(set)).toBe('n[1-3]');
  });
});

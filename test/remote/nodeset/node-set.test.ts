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
  it('expands ranges and lists, keeping zero padding, sorted as ClusterShell sorts', () => {
    expect(expand('node[01-03,10],gpu[1-2]')).toEqual([
      'gpu1',
      'gpu2',
      'node01',
      'node02',
      'node03',
      'node10',
    ]);
    expect(expand('n10,n9,n[1-2]')).toEqual(['n1', 'n2', 'n9', 'n10']);
    expect(expand('node[08-11]')).toEqual(['node08', 'node09', 'node10', 'node11']);
    expect(expand('n[1-100]')).toHaveLength(100);
    expect(expand('n[1-100]')[99]).toBe('n100');
  });

  it('expands several bracket groups as a product and honours steps', () => {
    expect(expand('rack[1-2]-n[1-2]')).toEqual(['rack1-n1', 'rack1-n2', 'rack2-n1', 'rack2-n2']);
    expect(expand('node[1-9/4]')).toEqual(['node1', 'node5', 'node9']);
  });

  it('takes digits next to a bracket into its range, as ClusterShell does', () => {
    expect(expand('n1[0-2]')).toEqual(['n10', 'n11', 'n12']);
    expect(expand('n[1-3]0')).toEqual(['n10', 'n20', 'n30']);
  });

  it('removes exclusions and duplicates', () => {
    expect(expand('node[1-6]!node[2,4]')).toEqual(['node1', 'node3', 'node5', 'node6']);
    expect(expand('b,a,b')).toEqual(['a', 'b']);
    expect(NodeSet.parse('node[1-5]').difference(NodeSet.parse('node[2-3]')).toArray()).toEqual([
      'node1',
      'node4',
      'node5',
    ]);
  });

  it('intersects (&) and takes symmetric differences (^)', () => {
    expect(expand('node[1-8]&node[5-12]')).toEqual(['node5', 'node6', 'node7', 'node8']);
    expect(expand('node[1-4]^node[3-6]')).toEqual(['node1', 'node2', 'node5', 'node6']);
    const set = NodeSet.parse('n[1-4]');
    expect(set.intersection(NodeSet.parse('n[3-9]')).toArray()).toEqual(['n3', 'n4']);
    expect(set.symmetricDifference(['n4', 'n5']).toArray()).toEqual(['n1', 'n2', 'n3', 'n5']);
  });

  it('applies operators left to right with equal precedence, as ClusterShell does', () => {
    // (n[1-5],n[3-4])!n3, not n[1-5],(n[3-4]!n3)
    expect(expand('n[1-5],n[3-4]!n3')).toEqual(['n1', 'n2', 'n4', 'n5']);
    // (n[1-3]^n[2-5])&n[1-4]
    expect(expand('n[1-3]^n[2-5]&n[1-4]')).toEqual(['n1', 'n4']);
    expect(expand('n[1-4] ! n2 & n[2-3]')).toEqual(['n3']);
  });

  it('accepts user@host and fully qualified names', () => {
    expect(expand('root@login1,gpu[1-2].cluster.org')).toEqual([
      'gpu1.cluster.org',
      'gpu2.cluster.org',
      'root@login1',
    ]);
  });

  it('resolves @group terms through the resolver it is given, and refuses them without one', () => {
    const groups = (name: string) => NodeSet.parse(name === 'gpu' ? 'gpu[1-4]' : 'login1');
    expect(NodeSet.parse('@gpu!gpu2,@login', groups).toArray()).toEqual(['gpu1', 'gpu3', 'gpu4', 'login1']);
    expect(errorOf('n1,@gpu').message).toContain('node group `@gpu` at column 4');
    const racks = (name: string) => NodeSet.parse(`${name}-n[1-2]`);
    expect(NodeSet.parse('@rack[1-2]!rack2-n1', racks).toArray()).toEqual([
      'rack1-n1',
      'rack1-n2',
      'rack2-n2',
    ]);
    expect(errorOf('@gpu;x').message).toContain('bad node group `@gpu;x` at column 1');
  });

  it('points at a reversed range with its column', () => {
    const e = errorOf('node[5-3]');
    expect(e.code).toBe('config');
    expect(e.message).toContain('bad range `5-3` in `node[5-3]` (high before low) at column 6');
    expect(e.evidence).toBe('node[5-3]\n     ^');
  });

  it('points at the offending part of malformed expressions', () => {
    expect(errorOf('a,node[1-3').message).toContain('unclosed `[` at column 7');
    expect(errorOf('node1]').message).toContain('unmatched `]` at column 6');
    expect(errorOf('a,,b').message).toContain('empty node name at column 3');
    expect(errorOf('node[1-x]').message).toContain('bad range `1-x` in `node[1-x]` (not a number');
    expect(errorOf('node[1-x]').message).toContain('at column 6');
    expect(errorOf('gpu[1-2],node[1,3-2]').message).toContain(
      'bad range `3-2` in `node[1,3-2]` (high before low) at column 17',
    );
    expect(errorOf('node[]').message).toContain('empty range');
    expect(errorOf('node[1-4]!').message).toContain('nothing to exclude after `!` at column 10');
    expect(errorOf('node[1-4]&').message).toContain('nothing to intersect with after `&` at column 10');
    expect(errorOf('n1 ^ ').message).toContain('nothing after `^` at column 4');
    expect(errorOf('!n1').message).toContain('nothing to exclude from before `!` at column 1');
    expect(errorOf('n[1-2000000]').message).toContain('more than 1,000,000 indexes');
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
    expect(foldNodeSet(['n9', 'n09', 'n10'])).toBe('n[9,09-10]');
  });

  it('folds every dimension', () => {
    expect(foldNodeSet(expand('x-[025-028]-[11-22,025]'))).toBe('x-[025-028]-[11-22,025]');
    expect(foldNodeSet(expand('rack[1-4]-n[01-16]!rack2-n05'))).toBe(
      'rack[1,3-4]-n[01-16],rack2-n[01-04,06-16]',
    );
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

import { describe, expect, it } from 'vitest';
import { parseHostsFile } from '../../../src/remote/discovery/hosts-file.js';
import { expandGroups } from '../../../src/remote/discovery/node-groups.js';
import { NodeSet } from '../../../src/remote/nodeset/index.js';
import { HsmError } from '../../../src/domain/errors.js';

describe('hosts files and node groups', () => {
  const groups = { gpu: ['gpu[1-4]'], all: ['@gpu', 'login1'], loop: ['@loop2'], loop2: ['@loop'] };
  const resolve = (name: string) => expandGroups(name, groups, 'hsm_config.yaml');

  it('reads node sets per line, @group lines included, with comments', () => {
    const text = '# compute\nnode[1-2]  # two\n\n@gpu!gpu3\nnode[2-3]&node[3-9]\n';
    expect(parseHostsFile(text, 'hosts', resolve)).toEqual([
      'node1',
      'node2',
      'gpu1',
      'gpu2',
      'gpu4',
      'node3',
    ]);
  });

  it('names the file and line of a bad node set', () => {
    expect(() => parseHostsFile('a\nnode[1-\n', 'hosts', resolve)).toThrow(/^hosts:2: Invalid node set/);
  });

  it('expands groups that name groups, and refuses a group that contains itself', () => {
    expect(resolve('all').toArray()).toEqual(['gpu1', 'gpu2', 'gpu3', 'gpu4', 'login1']);
    expect(NodeSet.parse('@all^gpu[3-6]', resolve).toArray()).toEqual([
      'gpu1',
      'gpu2',
      'gpu5',
      'gpu6',
      'login1',
    ]);
    let error: unknown;
    try {
      resolve('loop');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(HsmError);
    expect((error as HsmError).message).toContain('contains itself: @loop -> @loop2 -> @loop');
  });
});

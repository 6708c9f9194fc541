import { describe, expect, it } from 'vitest';
import { formatDiagnostic, generateTasks, parseSweepText } from '../../src/sweep/index.js';

function check(text: string, overrides: string[] = []): string[] {
  return parseSweepText(text, { displayFile: 'sweep.yaml', overrides }).diagnostics.map(
    (d) => formatDiagnostic(d).split('\n')[0]!,
  );
}

describe('sweep file validation', () => {
  it('suggests the nearest valid key for an unknown one', () => {
    expect(check('command: run\ngird:\n  a: [1, 2]\n')).toEqual([
      'sweep.yaml:2:1: error: unknown key `gird`; did you mean `grid`?',
    ]);
    expect(check('command: run\nsweep:\n  paried: []\n')[0]).toBe(
      'sweep.yaml:3:3: error: unknown key `paried`; did you mean `paired`?',
    );
    expect(check('comand: run\n')[0]).toBe(
      'sweep.yaml:1:1: error: unknown key `comand`; did you mean `command`?',
    );
  });

  it('shows malformed YAML with the offending line', () => {
    const [d] = parseSweepText('command: run\ngrid:\n  a: [1, 2\n  b: 3\n', {
      displayFile: 'sweep.yaml',
    }).diagnostics;
    // the unclosed bracket's own line, not the next one where the parser noticed it
    expect(d).toMatchObject({ severity: 'error', file: 'sweep.yaml', line: 3, col: 6 });
    expect(d!.message).toMatch(/^malformed YAML: /);
    expect(d!.excerpt).toContain('3 |   a: [1, 2');
  });

  it('rejects empty lists, scalars where lists belong and bad names, each at its place', () => {
    expect(check('command: run\ngrid:\n  a: []\n  b: 3\n  "c d": [1]\n  e:\n')).toEqual([
      'sweep.yaml:3:6: error: `a` is an empty list',
      'sweep.yaml:4:6: error: `b` must be a list of values, got the scalar 3',
      'sweep.yaml:5:3: error: invalid parameter name `c d`',
      'sweep.yaml:6:3: error: `e` must be a list of values, got nothing',
    ]);
  });

  it('rejects a key in both grid and paired, and names both places', () => {
    expect(check('command: run\ngrid:\n  lr: [1, 2]\npaired:\n  - g: {lr: [1, 2], b: [3, 4]}\n')).toEqual([
      'sweep.yaml:5:9: error: `lr` is defined twice: in paired group `g` here and in grid (sweep.yaml:3:3)',
    ]);
    expect(check('command: run\ngrid:\n  model.lr: [1, 3]\n  model: {lr: [2, 4]}\n')[0]).toContain(
      '`model.lr` is defined twice',
    );
  });

  it('names the group and the lengths of unequal paired lists', () => {
    expect(
      check('command: run\npaired:\n  - opt:\n      lr: [0.1, 0.01]\n      warmup: [100, 10, 1]\n'),
    ).toEqual([
      'sweep.yaml:3:5: error: paired group `opt` has lists of different lengths: `lr` has 2, `warmup` has 3',
    ]);
  });

  it('rejects a bad `args` with a suggestion, and a malformed paired section', () => {
    expect(check('command: run\nargs: flag\n')).toContain(
      'sweep.yaml:2:7: error: `args` must be hydra, flags or none, got "flag"; did you mean `flags`?',
    );
    expect(check('command: run\npaired: {g: {a: [1]}}\n')[0]).toBe(
      'sweep.yaml:2:9: error: `paired` must be a list of groups',
    );
  });

  it('rejects bad override syntax, naming the override', () => {
    const lines = check('command: run\ngrid: {a: [1, 2]}\n', [
      'seed=range(1)x',
      'lr',
      'bad name=1',
      'x=glob(*)',
      "y='open",
    ]);
    expect(lines).toEqual([
      'error: bad override: unexpected `x` in override `seed=range(1)x` (at character 9 of the value)',
      'error: bad override: override `lr` has no `=`',
      'error: bad override: invalid parameter name `bad name` in override `bad name=1`',
      'error: bad override: `glob(...)` is not supported by hsm in override `x=glob(*)` (at character 6 of the value)',
      "error: bad override: unterminated single quote in override `y='open` (at character 6 of the value)",
    ]);
  });

  it('rejects a placeholder that names no parameter, and a command that cannot be split', () => {
    expect(check('command: run --out {sed}\ngrid: {seed: [1, 2]}\n')).toEqual([
      "sweep.yaml:1:10: error: the command's placeholder `{seed}` names no parameter; did you mean `{seed}`?".replace(
        '`{seed}` names',
        '`{sed}` names',
      ),
    ]);
    expect(check('command: "run \'unclosed"\n')[0]).toBe(
      'sweep.yaml:1:10: error: `command` cannot be split into words: unterminated single quote at character 5',
    );
  });

  it('requires a command when hsm_config.yaml gives none', () => {
    expect(check('grid: {a: [1, 2]}\n')[0]).toMatch(/^sweep.yaml: error: no command to run/);
    const ok = parseSweepText('grid: {a: [1, 2]}\n', { defaultCommand: ['python3', 'train.py'] });
    expect(ok.definition?.command).toEqual(['python3', 'train.py']);
    expect(ok.definition?.commandSource).toBe('config');
  });

  it('warns about single values, duplicates (dropped) and mixed types', () => {
    const result = parseSweepText('command: run\ngrid:\n  a: [1]\n  b: [1, 2, 1]\n  c: [1, "x", null]\n', {
      displayFile: 'sweep.yaml',
    });
    expect(result.diagnostics.map((d) => formatDiagnostic(d).split('\n')[0])).toEqual([
      'sweep.yaml:3:6: warning: `a` has a single value',
      'sweep.yaml:4:13: warning: `b` lists 1 twice: 2 values (each value counts once)',
      'sweep.yaml:5:6: warning: `c` mixes value types (number, string)',
    ]);
    expect(result.definition!.axes.blocks.map((b) => b.rows.length)).toEqual([1, 2, 3]);
  });

  it('warns about a sweep over 100,000 tasks and counts it without generating it', () => {
    const values = `[${Array.from({ length: 1000 }, (_, i) => i).join(',')}]`;
    const result = parseSweepText(`command: run\ngrid:\n  a: ${values}\n  b: ${values}\n`, {
      displayFile: 'sweep.yaml',
    });
    expect(result.diagnostics.map((d) => d.message)).toEqual(['the sweep has 1,000,000 tasks, over 100,000']);
    expect(result.diagnostics[0]!.hint).toContain('--max-tasks 1000000');
  });

  it('accepts metadata and defaults verbatim, and an empty file is an error', () => {
    const { definition } = parseSweepText(
      'name: lr-study\ncommand: run\ndefaults:\n  - override hydra/launcher: basic\nmetadata: {owner: me}\ngrid: {a: [1, 2]}\n',
    );
    expect(definition).toMatchObject({
      name: 'lr-study',
      defaults: [{ 'override hydra/launcher': 'basic' }],
      metadata: { owner: 'me' },
    });
    expect(check('')[0]).toMatch(/^sweep.yaml: error: the sweep file is empty/);
  });

  it('says a repeated value once, with the result, and that YAML 1.2 reads 1e-3 as 0.001', () => {
    const result = parseSweepText('command: run\ngrid:\n  lr: [1e-3, 1.0e-3, 0.001]\n  b: [1, 2, 1, 2]\n', {
      displayFile: 'sweep.yaml',
    });
    expect(result.diagnostics.map((d) => [formatDiagnostic(d).split('\n')[0], d.hint])).toEqual([
      [
        'sweep.yaml:3:14: warning: `lr` lists 0.001 three times: 1 value, a constant (each value counts once)',
        '`1e-3`, `1.0e-3` and `0.001` are the same number in YAML 1.2, which hsm reads (HPC Sweep Manager, on YAML 1.1, read `1e-3` as a string); list each value once',
      ],
      [
        'sweep.yaml:4:13: warning: `b` lists 1 twice and 2 twice: 2 values (each value counts once)',
        'list each value once',
      ],
    ]);
    expect(result.definition!.axes.blocks.map((b) => b.rows)).toEqual([[[0.001]], [[1], [2]]]);
  });

  it('zips every list of a paired item with several group names as one group, and suggests splitting it', () => {
    const text = 'command: run\npaired:\n  - opt: {lr: [0.1, 0.01]}\n    sched: {warmup: [100, 10]}\n';
    const result = parseSweepText(text, { displayFile: 'sweep.yaml' });
    expect(result.diagnostics.map((d) => [formatDiagnostic(d).split('\n')[0], d.hint])).toEqual([
      [
        'sweep.yaml:3:5: suggestion: this `paired` item holds several group names (`opt`, `sched`): all their lists are zipped together as one group, as HPC Sweep Manager does',
        'if you meant separate groups whose combinations multiply, make each its own list item: `- opt: ...`, `- sched: ...`',
      ],
    ]);
    expect(generateTasks(result.definition!).map((t) => t.params)).toEqual([
      { lr: 0.1, warmup: 100 },
      { lr: 0.01, warmup: 10 },
    ]);
    // the lists of all the names must still have one length
    expect(
      check('command: run\npaired:\n  - opt: {lr: [0.1, 0.01]}\n    sched: {warmup: [100]}\n'),
    ).toContain(
      'sweep.yaml:3:5: error: paired group `opt+sched` has lists of different lengths: `lr` has 2, `warmup` has 1',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  generateTasks,
  listPlaceholders,
  parseOverride,
  parseSweepText,
  renderHydraValue,
  splitCommandWords,
} from '../../src/sweep/index.js';
import type { SweepDefinition } from '../../src/sweep/index.js';

function define(text: string): SweepDefinition {
  const { definition, diagnostics } = parseSweepText(text);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return definition!;
}

// Shell syntax that must stay text (nothing here runs a shell: that these values reach a program
// byte-for-byte through command.sh and the runner is test/e2e/hostile-values.test.ts).
const marker = '/tmp/hsm-never-created';
const HOSTILE = [
  'a b',
  "it's",
  'say "hi"',
  `$(touch ${marker})`,
  `\`touch ${marker}\``,
  `; touch ${marker}`,
  `| touch ${marker} &`,
  'line1\nline2',
  'tab\there',
  'ünïcødé ✓ 日本',
  'back\\slash\\',
  '${oc.env:HOME}',
  'k=v,w',
  '*',
  '',
  '-n',
  "'",
];

describe('argv rendering', () => {
  it('hostile values stay one argv word each, exactly as written (flags and placeholders)', () => {
    const def = define(stringify({ command: ['prog', 'out={v}/end'], args: 'flags', grid: { v: HOSTILE } }));
    const tasks = generateTasks(def);
    expect(tasks).toHaveLength(HOSTILE.length);
    for (const [i, task] of tasks.entries()) {
      const value = HOSTILE[i]!;
      expect(task.argv).toEqual(['prog', `out=${value}/end`, '--v', value]);
    }
  });

  it('hydra args quote hostile values so Hydra reads back exactly the value', () => {
    const def = define(stringify({ command: 'prog', grid: { v: HOSTILE } }));
    for (const [i, task] of generateTasks(def).entries()) {
      expect(task.argv).toHaveLength(2);
      const back = parseOverride(task.argv[1]!);
      expect(back.values).toEqual([{ value: HOSTILE[i], isFloat: false }]);
    }
  });

  it('keeps ${...} as written (Hydra interpolation, shell variables) and reads {{ }} as literal braces', () => {
    const def = define(
      `command: python train.py hydra.run.dir=outputs/\${now:%H-%M} home=\${oc.env:HOME,\${x}} v=\${seed} out={{seed}}/{seed} 'j={{"a":{{"b":1}}}}'\n` +
        'grid:\n  seed: [1, 2]\n',
    );
    expect(generateTasks(def).map((t) => t.argv)).toEqual(
      [1, 2].map((seed) => [
        'python',
        'train.py',
        'hydra.run.dir=outputs/${now:%H-%M}',
        'home=${oc.env:HOME,${x}}',
        'v=${seed}',
        `out={seed}/${seed}`,
        'j={"a":{"b":1}}',
        `seed=${seed}`,
      ]),
    );
    expect(listPlaceholders(def.command)).toEqual(['seed']);
  });

  it('a placeholder naming no parameter is still an error; a brace that is no placeholder is text', () => {
    const { diagnostics } = parseSweepText('command: prog {sed} {a b} {"k":1}\ngrid:\n  seed: [1]\n');
    expect(diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([
      "the command's placeholder `{sed}` names no parameter; did you mean `{seed}`?",
    ]);
  });

  it('renders Hydra values: null, booleans, numbers, lists, strings that need quotes', () => {
    expect(
      [
        null,
        true,
        false,
        1,
        -2,
        0.5,
        1e-7,
        Infinity,
        NaN,
        [1, 'a b'],
        { k: 1 },
        'plain',
        'with space',
        'a,b',
        'a=b',
        '1',
        'True',
        'NULL',
        '',
        "it's",
        '${x}',
        '2024-01-01',
        './data/x.csv',
        'nan',
      ].map((v) => renderHydraValue(v)),
    ).toEqual([
      'null',
      'true',
      'false',
      '1',
      '-2',
      '0.5',
      '1e-7',
      'inf',
      'nan',
      "[1,'a b']",
      '{k:1}',
      'plain',
      "'with space'",
      "'a,b'",
      "'a=b'",
      "'1'",
      "'True'",
      "'NULL'",
      "''",
      "'it\\'s'",
      "'\\${x}'",
      "'2024-01-01'",
      './data/x.csv',
      "'nan'",
    ]);
  });

  it('renders flags: booleans as true/false, null as null, lists as one word per element', () => {
    const def = define(
      'command: prog\nargs: flags\ngrid:\n  on: [true]\n  n: [null]\n  layers: [[1, 2, 3]]\n  lr: [1.0]\n',
    );
    expect(generateTasks(def)[0]!.argv).toEqual([
      'prog',
      '--on',
      'true',
      '--n',
      'null',
      '--layers',
      '1',
      '2',
      '3',
      '--lr',
      '1.0',
    ]);
  });

  it('args none appends nothing; placeholders fill their word only', () => {
    const def = define(
      'command: "prog --seed={seed} --name \'run {seed} {model.size}\'"\nargs: none\ngrid:\n  seed: [1, 2]\n  model.size: [a b]\n',
    );
    expect(generateTasks(def).map((t) => t.argv)).toEqual([
      ['prog', '--seed=1', '--name', 'run 1 a b'],
      ['prog', '--seed=2', '--name', 'run 2 a b'],
    ]);
  });

  it('appends params used by placeholders too, unless args is none', () => {
    const def = define('command: prog --out runs/{seed}\ngrid:\n  seed: [7]\n');
    expect(generateTasks(def)[0]!.argv).toEqual(['prog', '--out', 'runs/7', 'seed=7']);
  });

  it('splits command strings like a shell without running one', () => {
    expect(splitCommandWords(`python -c 'print("a b")' "x \\"y\\" $HOME" a\\ b ; $(rm) *`)).toEqual([
      'python',
      '-c',
      'print("a b")',
      'x "y" $HOME',
      'a b',
      ';',
      '$(rm)',
      '*',
    ]);
    expect(splitCommandWords('\'\'  ""')).toEqual(['', '']);
  });
});

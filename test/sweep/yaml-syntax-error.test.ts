import { describe, expect, it } from 'vitest';
import { parseSweepText } from '../../src/sweep/parse-sweep.js';
import { formatDiagnostic } from '../../src/sweep/diagnostic.js';

// A malformed sweep file (or hsm_config.yaml: the same reader) names the line and column to fix and
// shows that line, for the mistakes people make: the parser itself notices an unclosed bracket or
// quote only on a later line, or at the end of the file.

const HEAD = 'name: lr\ncommand: python train.py\nsweep:\n  grid:\n';

function firstError(text: string): string {
  const d = parseSweepText(text, { displayFile: 'sweep.yaml' }).diagnostics.filter(
    (x) => x.severity === 'error',
  );
  expect(d.length).toBeGreaterThan(0);
  return formatDiagnostic(d[0]!);
}

describe('malformed YAML: the line and column to fix, and that line', () => {
  it('a tab in the indentation', () => {
    expect(firstError(`${HEAD}\tlr: [0.1, 0.01]\n`)).toBe(
      'sweep.yaml:5:1: error: malformed YAML: a tab in the indentation\n' +
        '    5 | \tlr: [0.1, 0.01]\n' +
        '      | ^\n' +
        '    hint: indent with spaces only (YAML refuses tabs there)',
    );
  });

  it('an unclosed bracket: its own line, not the next one', () => {
    expect(firstError(`${HEAD}    lr: [0.1, 0.01\n    seed: [1, 2]\n`)).toMatch(
      /^sweep\.yaml:5:9: error: malformed YAML: `\[` opened here is not closed\n {4}5 \| {5}lr: \[0\.1, 0\.01\n {6}\| {9}\^\n {4}hint: close it with `\]`/,
    );
    // at the end of the file: the line written, not the empty one after it
    expect(firstError(`${HEAD}    lr: [0.1, 0.01\n`)).toMatch(
      /^sweep\.yaml:5:9: error: malformed YAML: `\[` opened/,
    );
    // the inner list closed, the mapping around it not
    expect(firstError(`${HEAD}    {lr: [0.1], seed: [1]\n  paired: []\n`)).toMatch(
      /^sweep\.yaml:5:5: error: malformed YAML: `\{` opened here is not closed/,
    );
  });

  it('an unclosed quote', () => {
    expect(firstError(`name: lr\ncommand: "python train.py\nsweep:\n  grid:\n    lr: [1]\n`)).toMatch(
      /^sweep\.yaml:2:10: error: malformed YAML: the quote " opened here is not closed\n {4}2 \| command: "python train\.py\n/,
    );
  });

  it('a bad indent: the line and its first character', () => {
    expect(firstError(`${HEAD}    lr: [0.1, 0.01]\n   seed: [1, 2]\n`)).toMatch(
      /^sweep\.yaml:6:4: error: malformed YAML: this line's indentation does not match the lines above it .*\n {4}6 \| {4}seed: \[1, 2\]\n {6}\| {4}\^\n {4}hint: indent a key like the other keys/,
    );
  });

  it('a missing colon', () => {
    expect(firstError(`name: lr\ncommand python train.py\nsweep:\n  grid:\n    lr: [1]\n`)).toMatch(
      /^sweep\.yaml:2:1: error: malformed YAML: a key without `:`, or a `:` without a space after it .*\n {4}2 \| command python train\.py\n/,
    );
    expect(firstError(`${HEAD}    lr:[0.1, 0.01]\n    seed: [1]\n`)).toMatch(
      /^sweep\.yaml:5:5: error: malformed YAML: a key without `:`/,
    );
  });

  it('one error for one mistake (a stray bracket is one, not six)', () => {
    const d = parseSweepText(`${HEAD}    lr: [0.1]]\n    seed: [1]\n`, {
      displayFile: 'sweep.yaml',
    }).diagnostics;
    expect(d.filter((x) => x.severity === 'error')).toHaveLength(1);
    expect(formatDiagnostic(d[0]!)).toMatch(
      /^sweep\.yaml:5:14: error: malformed YAML: Unexpected flow-seq-end token/,
    );
  });
});

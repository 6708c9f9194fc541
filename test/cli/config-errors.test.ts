import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

beforeAll(() => ensureBuilt());

function project(config: string | null, sweep: string): string {
  const dir = makeTempDir('hsm-cfgerr-');
  mkdirSync(join(dir, 'sweeps'));
  writeFileSync(join(dir, 'sweeps', 'sweep.yaml'), sweep);
  if (config !== null) writeFileSync(join(dir, 'hsm_config.yaml'), config);
  return dir;
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe('a configuration error', () => {
  it('in the sweep file prints its hint once', () => {
    const r = hsm(['run'], project(null, 'command: run\ngird:\n  a: [1]\n'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('sweeps/sweep.yaml:2:1: error: unknown key `gird`; did you mean `grid`?');
    expect(count(r.stderr, 'valid keys here:')).toBe(1);
    expect(r.stderr).toMatch(/\n {2}hint: valid keys here: /);
  });

  it('in hsm_config.yaml prints its hint once; several errors keep one hint each', () => {
    const one = hsm(['show'], project('defaults:\n  jbos: 2\n', 'command: run\n'));
    expect(one.code).toBe(2);
    expect(count(one.stderr, 'valid keys here:')).toBe(1);
    const two = hsm(['show'], project('defaults:\n  jbos: 2\n  retires: 1\n', 'command: run\n'));
    expect(two.code).toBe(2);
    expect(count(two.stderr, 'valid keys here:')).toBe(2);
    expect(two.stderr).toContain('hint: fix the errors above');
  });
});

import { describe, expect, it } from 'vitest';
import {
  formatSlurmTime,
  parseSlurmTime,
  readSlurmResources,
  scaleSlurmResources,
} from '../../../src/compute/slurm/slurm-resources.js';

describe('Slurm resource fields', () => {
  it("time: Slurm's forms and unit forms; a bare number is ambiguous and refused", () => {
    expect(parseSlurmTime('1-12:00:00')).toBe(36 * 3600);
    expect(parseSlurmTime('2-06')).toBe(54 * 3600);
    expect(parseSlurmTime('0-01:30')).toBe(5400);
    expect(parseSlurmTime('04:00:00')).toBe(4 * 3600);
    expect(parseSlurmTime('05:30')).toBe(330); // sbatch: MM:SS
    expect(parseSlurmTime('90m')).toBe(5400);
    expect(parseSlurmTime('1h30m')).toBe(5400);
    expect(parseSlurmTime('2d')).toBe(172800);
    expect(parseSlurmTime('abc')).toBeNull();
    expect(formatSlurmTime(36 * 3600 + 61)).toBe('1-12:01:01');
    expect(() => readSlurmResources('c', { type: 'slurm', time: 90 })).toThrow(
      /is a bare number, which is ambiguous/,
    );
    expect(() => readSlurmResources('c', { type: 'slurm', time: '1:2:3:4' })).toThrow(
      'source "c": time: "1:2:3:4" is not a time limit',
    );
  });

  it('mem with and without a unit; values sbatch would refuse or misread are refused at their field', () => {
    expect(readSlurmResources('c', { type: 'slurm', mem: '4G' }).mem).toEqual({ amount: 4, unit: 'G' });
    expect(readSlurmResources('c', { type: 'slurm', mem: 500 }).mem).toEqual({ amount: 500, unit: 'M' });
    expect(() => readSlurmResources('c', { type: 'slurm', mem: '4 gigs' })).toThrow(
      /mem: "4 gigs" is not a memory size/,
    );
    expect(() => readSlurmResources('c', { type: 'slurm', partition: 'gpu debug' })).toThrow(
      /partition: "gpu debug" is not a value sbatch takes/,
    );
    expect(() => readSlurmResources('c', { type: 'slurm', nodes: 0 })).toThrow(
      /nodes: 0 is not a positive integer/,
    );
    expect(() => readSlurmResources('c', { type: 'slurm', extra_directives: ['--x\n#SBATCH --y'] })).toThrow(
      /not an sbatch option on one line/,
    );
    expect(() => readSlurmResources('c', { type: 'slurm', extra_directives: ['exclusive'] })).toThrow(
      /not an sbatch option/,
    );
    // options hsm sets itself: overriding them would break it, so they are refused with the way instead
    const owned = (d: string) => () => readSlurmResources('c', { type: 'slurm', extra_directives: [d] });
    expect(owned('--requeue')).toThrow(/extra_directives: "--requeue" is an option hsm sets itself/);
    let hint: string | undefined;
    try {
      owned('#SBATCH --requeue')();
    } catch (e) {
      hint = (e as { hint?: string }).hint;
    }
    expect(hint).toMatch(/retry: preempted \/ node_fail/);
    for (const d of [
      '--array=0-3',
      '-J x',
      '--job-name=x',
      '--comment=x',
      '-o out',
      '--output=x',
      '--chdir=/',
    ]) {
      expect(owned(d), d).toThrow(/is an option hsm sets itself/);
    }
    expect(
      readSlurmResources('c', {
        type: 'slurm',
        extra_directives: ['--exclusive', '--no-requeue', '--mail-type=END'],
      }).extraDirectives,
    ).toEqual(['--exclusive', '--no-requeue', '--mail-type=END']);
  });

  it('a retry after an OOM doubles the memory, after a timeout the time', () => {
    const r = readSlurmResources('c', { type: 'slurm', mem: '3G', time: '01:00:00' });
    expect(scaleSlurmResources(r, { mem: 2 })).toMatchObject({
      mem: { amount: 6, unit: 'G' },
      timeSeconds: 3600,
    });
    expect(scaleSlurmResources(r, { time: 2 })).toMatchObject({
      mem: { amount: 3, unit: 'G' },
      timeSeconds: 7200,
    });
  });
});

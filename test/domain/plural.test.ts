import { describe, expect, it } from 'vitest';
import { plural } from '../../src/domain/plural.js';

describe('plural', () => {
  it('names one thing in the singular and any other count in the plural', () => {
    expect(plural(1, 'task')).toBe('1 task');
    expect(plural(0, 'task')).toBe('0 tasks');
    expect(plural(2, 'task')).toBe('2 tasks');
    expect(plural(3, 'match', 'matches')).toBe('3 matches');
  });
});

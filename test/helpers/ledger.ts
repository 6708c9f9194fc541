import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

// The ledger a test's tasks append `start i` / `end i` to (in the project directory, outside
// everything hsm manages): what proves that no task ran twice across kills, full disks and lost
// stores.

/** The lines of `<dir>/ledger`. */
export function ledger(dir: string): string[] {
  return readFileSync(join(dir, 'ledger'), 'utf8').trim().split('\n');
}

/** Tasks 1..n each wrote `start i` and `end i` exactly once. */
export function expectEachRanOnce(lines: readonly string[], n: number): void {
  for (let i = 1; i <= n; i++) {
    expect(
      lines.filter((l) => l === `start ${i}`),
      `task ${i} started once`,
    ).toHaveLength(1);
    expect(
      lines.filter((l) => l === `end ${i}`),
      `task ${i} ended once`,
    ).toHaveLength(1);
  }
}

import { HsmError } from '../domain/errors.js';
import { SWEEP_ID_RULE, sweepIdProblem } from '../domain/sweep-id.js';

// Sweep ids: `<name or sweep>_YYYYMMDD_HHMMSS`, with `_2`, `_3`... on a clash (docs/CLI.md).
export function formatSweepId(name: string | null, now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}_${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  const base = (name ?? 'sweep').replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${base}_${stamp}`;
}

// Refuses an id given by the user (`--sweep-id`) that is not one plain directory name.
export function checkSweepId(id: string): void {
  const problem = sweepIdProblem(id, 'id');
  if (problem === null) return;
  const shown = JSON.stringify(id);
  throw new HsmError(
    'usage',
    `--sweep-id ${shown.length > 80 ? `${shown.slice(0, 77)}..."` : shown} ${problem}`,
    { hint: `a sweep id is one directory name: ${SWEEP_ID_RULE}` },
  );
}

// Resolves a unique prefix of an id among the known ids.
export function resolveSweepIdPrefix(prefix: string, ids: readonly string[]): string[] {
  if (ids.includes(prefix)) return [prefix];
  return ids.filter((id) => id.startsWith(prefix));
}

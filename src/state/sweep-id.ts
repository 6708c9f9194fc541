// Sweep ids: `<name or sweep>_YYYYMMDD_HHMMSS`, with `_2`, `_3`... on a clash (shared/cli.md).
export function formatSweepId(name: string | null, now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}_${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  const base = (name ?? 'sweep').replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${base}_${stamp}`;
}

// Picks the first free id among base, base_2, base_3...
export function uniqueSweepId(base: string, exists: (id: string) => boolean): string {
  if (!exists(base)) return base;
  for (let i = 2; ; i++) if (!exists(`${base}_${i}`)) return `${base}_${i}`;
}

// Resolves a unique prefix of an id among the known ids.
export function resolveSweepIdPrefix(prefix: string, ids: readonly string[]): string[] {
  if (ids.includes(prefix)) return [prefix];
  return ids.filter((id) => id.startsWith(prefix));
}

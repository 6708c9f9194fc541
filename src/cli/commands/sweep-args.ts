import { existsSync, statSync } from 'node:fs';

// `hsm run [SWEEP] [-- overrides...]`: the first word that is not a `key=value` override is the sweep
// file; everything with `=` is a Hydra-style override (with or without the `--`).
export function splitSweepArgs(words: readonly string[]): { sweepFile?: string; overrides: string[] } {
  const overrides: string[] = [];
  let sweepFile: string | undefined;
  for (const w of words) {
    // `~key` deletes an axis and `+key=v` adds one (Hydra): overrides even without `=`
    const isOverride = w.includes('=') || w.startsWith('~') || w.startsWith('+');
    const isFile = existsSync(w) && statSync(w).isFile();
    if (sweepFile === undefined && (isFile || !isOverride)) sweepFile = w;
    else overrides.push(w);
  }
  return sweepFile === undefined ? { overrides } : { sweepFile, overrides };
}

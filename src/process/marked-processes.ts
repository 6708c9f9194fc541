import { readdirSync, readFileSync, statSync } from 'node:fs';

// Processes found by an environment entry their ancestor was started with. A child inherits its
// parent's environment at fork (the same memory, which /proc/<pid>/environ shows until an exec) and
// through exec (exported variables), so the entry names every process a runner forked, even one that
// no pid or record names yet. Only this user's processes; Linux only (/proc): elsewhere none.

/** The pids of this user's processes whose environment holds `entry` (`NAME=value`, exactly). */
export function processesWithEnvironment(entry: string): number[] {
  const uid = process.getuid?.();
  const first = Buffer.from(`${entry}\0`);
  const inner = Buffer.from(`\0${entry}\0`);
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (uid !== undefined && statSync(`/proc/${name}`).uid !== uid) continue;
      const env = readFileSync(`/proc/${name}/environ`);
      if (env.subarray(0, first.length).equals(first) || env.includes(inner)) found.push(Number(name));
    } catch {
      /* gone meanwhile, or not readable */
    }
  }
  return found;
}

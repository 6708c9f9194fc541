import { readFileSync } from 'node:fs';

// Whether a pid names a live process. A zombie counts as dead: PID 1 on some machines reaps orphans
// lazily, and `kill -0` succeeds on a zombie.
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const state = processState(pid);
  return state !== 'Z' && state !== 'X'; // null: no /proc (not Linux), trust kill -0
}

/** The process group of a process (/proc/<pid>/stat field 5), or null (gone, or no /proc). */
export function processGroupOf(pid: number | 'self'): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    return Number.isInteger(pgrp) && pgrp > 0 ? pgrp : null;
  } catch {
    return null;
  }
}

/** The session of a process (/proc/<pid>/stat field 6), or null (gone, or no /proc). */
export function sessionOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const sid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
    return Number.isInteger(sid) && sid > 0 ? sid : null;
  } catch {
    return null;
  }
}

/** A process's state letter (/proc/<pid>/stat field 3: R, S, D, T stopped, Z zombie, ...), or null
 * (gone, or no /proc). */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || null;
  } catch {
    return null;
  }
}

// The command line of a live process (Linux), to check a pid still names what we started.
export function readProcessCommandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return null;
  }
}

// What tells one process from a later one that got the same pid: its start time (clock ticks since
// boot, /proc/<pid>/stat field 22) and the boot it belongs to. Null where there is no /proc.
export interface ProcessIdentity {
  pid: number;
  start: string | null;
  boot: string | null;
}

export function processIdentity(pid: number): ProcessIdentity {
  return { pid, start: processStartTime(pid), boot: bootId() };
}

// Whether the process an identity was taken from still runs: the pid is alive and, where the start
// time and boot are known, they are the same (a pid reused after a reboot or a wrap is another process).
export function isSameProcessAlive(id: ProcessIdentity): boolean {
  if (!isProcessAlive(id.pid)) return false;
  if (id.boot !== null && bootId() !== null && id.boot !== bootId()) return false;
  if (id.start === null) return true;
  const now = processStartTime(id.pid);
  return now === null || now === id.start;
}

function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command name (which may hold spaces and parentheses): state is field 3
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

let cachedBootId: string | null | undefined;
function bootId(): string | null {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      cachedBootId = null;
    }
  }
  return cachedBootId;
}

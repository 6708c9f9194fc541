import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

// What a task leaves in its task directory: the runner's records and the tail of its output.
// The runner's records in a task directory (runner/hsm-runner.sh): `started` and `exit`, each one
// newline-terminated line of key=value words. A record without its final newline is still being
// written and is ignored; a record naming another attempt is stale.

export interface StartedRecord {
  attempt: number;
  pid: number;
  host: string;
  /** The attempt's cgroup, when it has one (everything the task started is in it). */
  cgroup: string | null;
  /** mtime of the record: when the task started. */
  at: number;
}

export interface ExitRecord {
  attempt: number;
  /** Exit status as the shell reports it (128+N for signal N). */
  exit: number;
  at: number;
}

// Parses `key=value key=value\n` into a map, or null when the line is incomplete.
export function parseRecordLine(text: string): Map<string, string> | null {
  if (!text.endsWith('\n')) return null;
  const fields = new Map<string, string>();
  for (const word of text.trim().split(/\s+/)) {
    const eq = word.indexOf('=');
    if (eq > 0) fields.set(word.slice(0, eq), word.slice(eq + 1));
  }
  return fields;
}

// One open for the text and its mtime (records are read for every task in flight, several times
// a second).
function readRecord(path: string): { fields: Map<string, string>; at: number } | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    const buf = Buffer.alloc(Math.min(st.size, 4096));
    const fields = parseRecordLine(buf.toString('utf8', 0, readSync(fd, buf, 0, buf.length, 0)));
    return fields ? { fields, at: st.mtimeMs } : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

// Reads a task's `started` record for `attempt` (null if absent, incomplete or of another attempt).
export function readStartedRecord(path: string, attempt: number): StartedRecord | null {
  const r = readRecord(path);
  if (!r || Number(r.fields.get('attempt')) !== attempt) return null;
  const pid = Number(r.fields.get('pid'));
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return {
    attempt,
    pid,
    host: r.fields.get('host') ?? 'unknown',
    cgroup: r.fields.get('cgroup') ?? null,
    at: Math.round(r.at),
  };
}

/** The attempt a complete record names, or null. */
export function recordAttempt(path: string): number | null {
  const r = readRecord(path);
  const attempt = r ? Number(r.fields.get('attempt')) : NaN;
  return Number.isInteger(attempt) && attempt > 0 ? attempt : null;
}

// Reads a task's `exit` record for `attempt` (null if absent, incomplete or of another attempt).
export function readExitRecord(path: string, attempt: number): ExitRecord | null {
  const r = readRecord(path);
  if (!r || Number(r.fields.get('attempt')) !== attempt) return null;
  const exit = Number(r.fields.get('exit'));
  if (!Number.isInteger(exit)) return null;
  return { attempt, exit, at: Math.round(r.at) };
}

// The last `bytes` of a file, or '' if it does not exist.
export function readTail(path: string, bytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, bytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

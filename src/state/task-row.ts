import type { Params } from '../domain/params.js';
import type { TaskStatus, TerminationReason } from '../domain/task.js';
import type { TaskRow } from '../engine/ports.js';

// A row of the store's `tasks` table as SQLite returns it, and as the engine reads it.

export interface RawTaskRow {
  idx: number;
  name: string;
  key: string;
  params: string;
  argv: string;
  status: TaskStatus;
  source: string | null;
  attempts: number;
  exit_code: number | null;
  signal: string | null;
  reason: TerminationReason | null;
  started_at: number | null;
  ended_at: number | null;
  host: string | null;
  detail: string | null;
}

export function toTaskRow(r: RawTaskRow): TaskRow {
  return {
    index: r.idx,
    name: r.name,
    key: r.key,
    params: JSON.parse(r.params) as Params,
    argv: JSON.parse(r.argv) as string[],
    status: r.status,
    source: r.source,
    attempts: r.attempts,
    exitCode: r.exit_code,
    signal: r.signal,
    reason: r.reason,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    host: r.host,
    detail: r.detail,
  };
}

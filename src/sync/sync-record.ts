import { existsSync, readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { writeFileAtomic } from '../state/atomic-write.js';
import { SweepPaths } from '../state/sweep-paths.js';
import type { SyncReport, SyncVerdict } from './sync-types.js';

// What the sweep remembers of each source's copy of the project (source_sync.yaml in the sweep
// directory): the commit it ran, whether it matched the local project, and whether hsm pushed it.
// One entry per source, the latest check winning, so a result can be traced to the code that ran.

export interface SourceSyncRecord {
  verdict: SyncVerdict;
  /** Commit of the copy on the host after the check (and push). */
  commit: string | null;
  /** Files that differ from HEAD in that copy. */
  dirty_files: string[];
  /** Local commit at the time. */
  local_commit: string | null;
  /** hsm pushed the project before running. */
  pushed: boolean;
  /** Files that differed (before a push), config files among them. */
  differing_files: string[];
  config_files: string[];
  checked_at: string;
}

// Records `report` for its source in the sweep directory. After a push the copy equals the local
// project: pass `pushed` so the record says so (verdict in_sync, the local commit and dirty files).
export function recordSourceSync(sweepDir: string, report: SyncReport, pushed = false): SourceSyncRecord {
  const path = new SweepPaths(sweepDir).syncRecord;
  const record: SourceSyncRecord = {
    verdict: pushed ? 'in_sync' : report.verdict,
    commit: pushed ? report.local.commit : report.remote.commit,
    dirty_files: pushed ? report.local.dirty_files : report.remote.dirty_files,
    local_commit: report.local.commit,
    pushed,
    differing_files: report.files.map((f) => f.path),
    config_files: report.config_files,
    checked_at: report.checked_at,
  };
  const all = readSourceSync(sweepDir);
  all[report.source] = record;
  writeFileAtomic(path, stringify({ sources: all }), true);
  return record;
}

export function readSourceSync(sweepDir: string): Record<string, SourceSyncRecord> {
  const path = new SweepPaths(sweepDir).syncRecord;
  if (!existsSync(path)) return {};
  const doc = parse(readFileSync(path, 'utf8')) as { sources?: Record<string, SourceSyncRecord> } | null;
  return { ...(doc?.sources ?? {}) };
}

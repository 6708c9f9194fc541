import type { ChangeSide, SyncVerdict } from './sync-types.js';

// The verdict, pure. Git projects: from the two HEADs and each side's dirty files (path -> blob id
// of the current content, `deleted`); projects without git: from the files rsync --checksum finds
// different, and their modification times.

export interface SideChanges {
  head: string | null;
  /** Dirty file -> blob id or `deleted`. */
  dirty: Map<string, string>;
}

export interface GitComparison {
  local: SideChanges;
  remote: SideChanges;
  /** Remote HEAD is in local HEAD's history (local knows the commit and reaches it). */
  remoteHeadInLocal: boolean;
  /** Files changed from remote HEAD to local HEAD (when remoteHeadInLocal) -> blob id / `deleted`. */
  localCommitChanges: Map<string, string>;
  /** Local HEAD is in remote HEAD's history. */
  localHeadInRemote: boolean;
  /** Files changed from local HEAD to remote HEAD (when localHeadInRemote) -> blob id / `deleted`. */
  remoteCommitChanges: Map<string, string>;
  /** What both sides had after the last push or pull (recorded on the host), if known. */
  base?: SideChanges | null;
}

export interface Comparison {
  verdict: SyncVerdict;
  /** path -> which side changed it; null when the commits share no known history (list with rsync). */
  files: Map<string, ChangeSide> | null;
}

// A file's content on a side is its dirty blob id, else the one the side's newer commits gave it,
// else the content of the older HEAD, which both sides share. A file whose content is the same on
// both sides is no difference, whoever changed it. Which side changed it: with the state of the
// last push or pull (the base) on a side's commit, the side whose content is not the base's (so
// uncommitted edits pushed earlier are not the host's own changes); without it, a side whose
// dirty files or newer commits name the file.
export function compareGit(c: GitComparison): Comparison {
  const { local, remote } = c;
  const none = new Map<string, string>();
  let localCommits = none;
  let remoteCommits = none;
  if (local.head !== remote.head) {
    if (c.remoteHeadInLocal) localCommits = c.localCommitChanges;
    else if (c.localHeadInRemote) remoteCommits = c.remoteCommitChanges;
    else return { verdict: 'diverged', files: null };
  }
  const BASE = '';
  const base = c.base ?? null;
  const content = (side: SideChanges, commits: Map<string, string>, p: string) =>
    side.dirty.get(p) ?? commits.get(p) ?? BASE;
  const changedBy = (side: SideChanges, commits: Map<string, string>, p: string) =>
    base !== null && base.head === side.head
      ? content(side, commits, p) !== (base.dirty.get(p) ?? BASE)
      : side.dirty.has(p) || commits.has(p);
  const files = new Map<string, ChangeSide>();
  const paths = new Set([
    ...localCommits.keys(),
    ...local.dirty.keys(),
    ...remoteCommits.keys(),
    ...remote.dirty.keys(),
    ...(base?.dirty.keys() ?? []),
  ]);
  for (const p of paths) {
    if (content(local, localCommits, p) === content(remote, remoteCommits, p)) continue;
    const byLocal = changedBy(local, localCommits, p);
    const byRemote = changedBy(remote, remoteCommits, p);
    files.set(p, byLocal === byRemote ? 'both' : byLocal ? 'local' : 'remote');
  }
  let verdict = verdictOf(files);
  // the same files, but one side has commits the other lacks
  if (verdict === 'in_sync' && local.head !== remote.head)
    verdict = c.remoteHeadInLocal ? 'local_newer' : 'remote_newer';
  return { verdict, files };
}

// both or a mix of sides: diverged; one side only: that side is newer; nothing: in sync.
function verdictOf(files: Map<string, ChangeSide>): SyncVerdict {
  const sides = new Set(files.values());
  if (sides.size === 0) return 'in_sync';
  if (sides.has('both') || sides.size > 1) return 'diverged';
  return sides.has('local') ? 'local_newer' : 'remote_newer';
}

/** One file rsync --checksum found different, with what each side has. */
export interface ChecksumDifference {
  path: string;
  /** Modification time on each side (`YYYY/MM/DD-HH:MM:SS`, as rsync prints it), null when absent. */
  localTime: string | null;
  remoteTime: string | null;
}

// Without git there is no common base: a file only one side has, or whose copy is later on one
// side, counts as that side's change. Equal times with different content: both.
export function compareChecksums(diffs: readonly ChecksumDifference[]): Comparison {
  const files = new Map<string, ChangeSide>();
  for (const d of diffs) {
    let side: ChangeSide;
    if (d.remoteTime === null) side = 'local';
    else if (d.localTime === null) side = 'remote';
    else if (d.localTime > d.remoteTime) side = 'local';
    else if (d.remoteTime > d.localTime) side = 'remote';
    else side = 'both';
    files.set(d.path, side);
  }
  return { verdict: verdictOf(files), files };
}

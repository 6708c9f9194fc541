import { quoteShellArgv } from '../domain/shell-quote.js';

// The probe: one POSIX sh script that describes a project directory, run the same way on both
// sides (locally through `sh -c`, remotely through one ssh command), so that the two descriptions
// can only differ where the directories do. It reports whether rsync and git exist, whether the
// directory exists and is empty, and for a git work tree: HEAD, the branch, whether a given commit
// is contained in HEAD's history, the files changed between that commit and HEAD, and every file
// whose content differs from HEAD (tracked changes and untracked, not ignored, files) with the git
// blob id of its current content.
//
// The dirty files and their blob ids come from `git add -A` into a throw-away index (a copy of the
// real one, so only files whose stat data changed are hashed) with a throw-away object directory
// and no access to the repository's objects: git "freshens" (touches) an object it finds already
// there, and rsync would then send those objects again. The repository itself is never written.
// The excludes file is the source's sync_exclude patterns, on both sides alike (a user's global
// excludes file would make the sides disagree; rsync does not read it either). `git diff-index --cached` of that index against HEAD
// then lists `path -> new blob id` (zeros for a deleted file). core.checkStat=minimal and
// core.trustctime=false make a copy made by rsync (same size and mtime, new inode and ctime) count
// as unchanged, as git does for the racy cases it re-hashes anyway.
//
// Few processes (a push of 3 changed files is dominated by process start-ups on a busy machine):
// shell builtins read HEAD's branch and the record of the last sync, one rev-parse answers
// top-level, git directory and HEAD.
//
// Output: `key=value` records, each NUL-terminated, then raw `-z` sections of git: a record
// `section=NAME` followed by `:meta\0path\0` pairs (a meta always starts with `:`).

const SCRIPT = String.raw`
wd=$1 rs=$2 anc=$3 out=$4 excl=$5
nl='
'
r() { printf '%s=%s\0' "$1" "$2"; }
r version 1
if command -v "$rs" >/dev/null 2>&1; then r rsync 1; else r rsync 0; fi
if command -v git >/dev/null 2>&1; then hasgit=1; else hasgit=0; fi
r gitbin $hasgit
if [ ! -e "$wd" ]; then r exists 0; exit 0; fi
if [ ! -d "$wd" ]; then r exists notdir; exit 0; fi
cd -P -- "$wd" 2>/dev/null || { r exists denied; exit 0; }
r exists 1
r root "$PWD"
empty=1
for f in * .[!.]* ..?*; do if [ -e "$f" ] || [ -L "$f" ]; then empty=0; break; fi; done
r empty $empty
if [ ! -d .git ] || [ $hasgit = 0 ]; then r git 0; exit 0; fi
tmp=${'${TMPDIR:-/tmp}'}/hsm-sync.$$
trap 'rm -rf "$tmp"' EXIT
mkdir -p -m 700 "$tmp/objects" || { r error "cannot create $tmp"; exit 0; }
GIT_OPTIONAL_LOCKS=0; export GIT_OPTIONAL_LOCKS
info=$(git rev-parse --show-toplevel --absolute-git-dir -q --verify 'HEAD^{commit}' 2>"$tmp/err")
if [ -z "$info" ]; then r error "$(head -c 400 "$tmp/err")"; exit 0; fi
top=${'${info%%"$nl"*}'}; rest=${'${info#*"$nl"}'}; gd=${'${rest%%"$nl"*}'}
case $rest in *"$nl"*) head=${'${rest#*"$nl"}'} ;; *) head= ;; esac
if [ ! "$top" -ef . ]; then r git 0; exit 0; fi
r git 1
if [ -f .hsm/sync-base ]; then IFS= read -r b <.hsm/sync-base; r base "$b"; fi
r head "$head"
branch=
if IFS= read -r hl <"$gd/HEAD"; then case $hl in 'ref: refs/heads/'*) branch=${'${hl#ref: refs/heads/}'} ;; esac; fi
r branch "$branch"
contains=0
if [ -n "$anc" ] && [ -n "$head" ]; then
  if [ "$anc" = "$head" ] || git merge-base --is-ancestor "$anc" "$head" 2>/dev/null; then contains=1; fi
  r contains $contains
fi
if [ -f "$gd/index" ]; then cp -p "$gd/index" "$tmp/index"; fi
set -- . ':(exclude).hsm'
if [ -n "$out" ]; then set -- "$@" ":(exclude)$out"; fi
export GIT_INDEX_FILE="$tmp/index"
printf '%s\n' "$excl" >"$tmp/exclude"
if ! GIT_OBJECT_DIRECTORY="$tmp/objects" git -c core.excludesFile="$tmp/exclude" -c core.checkStat=minimal -c core.trustctime=false -c core.autocrlf=false add -A -- "$@" >/dev/null 2>"$tmp/err"; then
  r error "$(head -c 400 "$tmp/err")"; exit 0
fi
printf 'section=dirty\0'
GIT_ALTERNATE_OBJECT_DIRECTORIES="$tmp/objects" git diff-index --cached -z --no-renames "${'${head:-4b825dc642cb6eb9a060e54bf8d69288fbee4904}'}" -- "$@"
if [ $contains = 1 ] && [ "$anc" != "$head" ]; then
  printf 'section=commits\0'
  git diff-tree -r -z --no-renames "$anc" "$head" -- "$@"
fi
exit 0
`;

/** What the probe found in one directory. */
export interface ProbeResult {
  rsync: boolean;
  gitInstalled: boolean;
  exists: 'yes' | 'no' | 'notdir' | 'denied';
  /** The directory resolved (symlinks followed); null when it does not exist. */
  root: string | null;
  empty: boolean;
  git: boolean;
  head: string | null;
  branch: string | null;
  /** Whether the commit asked about is in HEAD's history; null when not asked. */
  containsAsked: boolean | null;
  /** Dirty file -> blob id of its content, or `deleted`. */
  dirty: Map<string, string>;
  /** Files changed from the commit asked about to HEAD (when HEAD contains it) -> blob id or `deleted`. */
  commitChanges: Map<string, string>;
  /** git failed while describing the work tree. */
  error: string | null;
  /** The state the last push or pull left in this directory (`.hsm/sync-base`), if any. */
  base: SyncBase | null;
}

/** What both sides had after the last push or pull: a commit and its dirty files (blob ids). */
export interface SyncBase {
  commit: string | null;
  dirty: Map<string, string>;
}

/** Where that record lives in the workdir (`.hsm/` is never synced). */
export const SYNC_BASE_FILE = '.hsm/sync-base';

/** The record a push or pull leaves on the host (`.hsm/sync-base`, never synced): JSON, one line. */
export function serializeSyncBase(base: SyncBase): string {
  return JSON.stringify({ version: 1, commit: base.commit, dirty: Object.fromEntries(base.dirty) });
}

function parseSyncBase(text: string | undefined): SyncBase | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as { version?: number; commit?: unknown; dirty?: Record<string, unknown> };
    if (v.version !== 1 || typeof v.dirty !== 'object' || v.dirty === null) return null;
    const dirty = new Map(
      Object.entries(v.dirty).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    return { commit: typeof v.commit === 'string' ? v.commit : null, dirty };
  } catch {
    return null; // a damaged record only loses the discount it gives
  }
}

export interface ProbeArgs {
  /** The directory to describe (relative to the login directory, or absolute). */
  dir: string;
  /** The rsync program whose presence is checked. */
  rsyncProgram: string;
  /** A commit to test for in HEAD's history ('' for none). */
  ancestor: string;
  /** A directory (relative to `dir`) left out of the dirty files: the sweep outputs. */
  exclude: string;
  /** The source's sync_exclude patterns (gitignore syntax, which rsync's exclude patterns share). */
  patterns: readonly string[];
}

/** argv running the probe on this machine. */
export function localProbeArgv(args: ProbeArgs): string[] {
  return [
    'sh',
    '-c',
    SCRIPT,
    'hsm-sync-probe',
    args.dir,
    args.rsyncProgram,
    args.ancestor,
    args.exclude,
    args.patterns.join('\n'),
  ];
}

/** The command line running the probe on a host (given to its login shell). */
export function remoteProbeCommand(args: ProbeArgs): string {
  return quoteShellArgv(localProbeArgv(args));
}

const ZERO = /^0+$/;

// `git diff-index|diff-tree -z` raw output (`:mode mode old new status\0path\0` pairs) -> path ->
// new blob id, `deleted` for a deletion.
export function parseRawDiff(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = text.split('\0');
  for (let i = 0; i + 1 < parts.length; i++) {
    if (!parts[i]!.startsWith(':')) continue;
    const newId = parts[i]!.slice(1).split(' ')[3] ?? '';
    out.set(parts[++i]!, ZERO.test(newId) ? 'deleted' : newId);
  }
  return out;
}

export function parseProbeOutput(output: string): ProbeResult {
  const parts = output.split('\0');
  const rec = new Map<string, string>();
  const dirty = new Map<string, string>();
  const commitChanges = new Map<string, string>();
  let section: 'dirty' | 'commits' | null = null;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.startsWith(':') && section !== null) {
      for (const [path, id] of parseRawDiff(`${part}\0${parts[++i] ?? ''}\0`))
        (section === 'dirty' ? dirty : commitChanges).set(path, id);
      continue;
    }
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (key === 'section') section = value === 'commits' ? 'commits' : 'dirty';
    else rec.set(key, value);
  }
  if (rec.get('version') !== '1') {
    throw new Error(`unexpected probe output: ${JSON.stringify(output.slice(0, 200))}`);
  }
  const exists = rec.get('exists');
  return {
    rsync: rec.get('rsync') === '1',
    gitInstalled: rec.get('gitbin') === '1',
    exists: exists === '1' ? 'yes' : exists === 'notdir' ? 'notdir' : exists === 'denied' ? 'denied' : 'no',
    root: rec.get('root') ?? null,
    empty: rec.get('empty') !== '0',
    git: rec.get('git') === '1',
    head: rec.get('head') || null,
    branch: rec.get('branch') || null,
    containsAsked: rec.has('contains') ? rec.get('contains') === '1' : null,
    dirty,
    commitChanges,
    error: rec.get('error') ?? null,
    base: parseSyncBase(rec.get('base')),
  };
}

// The vocabulary of sync through a session (push a project, pull a directory back).

export interface SessionSyncProgress {
  direction: 'push' | 'pull';
  /** scan: reading both sides; send: moving data; apply: the node writes the files. */
  phase: 'scan' | 'send' | 'apply' | 'done';
  /** Files (and symlinks) to move, and how many have arrived. */
  files_total: number;
  files_done: number;
  /** Content bytes to move (before compression), and how many have arrived. */
  bytes_total: number;
  bytes_done: number;
}

export interface SessionSyncItem {
  /** Relative, `/`-separated. */
  path: string;
  /** send: new or changed content (or a symlink, a directory); chmod: permissions only; delete. */
  action: 'send' | 'chmod' | 'delete';
  /** Content bytes (send of a file), else 0. */
  bytes: number;
}

export interface SessionSyncResult {
  direction: 'push' | 'pull';
  dry_run: boolean;
  /** What moved (or would move), in path order. */
  items: SessionSyncItem[];
  /** Content bytes of the files sent (before compression). */
  bytes: number;
  /** Bytes typed into (push) or read from (pull) the session for file data, encoded. */
  wire_bytes: number;
  /** Chunks moved, and chunks skipped because they had arrived before (a resumed transfer). */
  chunks_sent: number;
  chunks_reused: number;
  /** Chunks that went through S3 (`s3Staging`) instead of the session; counted in chunks_sent too. */
  chunks_staged: number;
  /** Entries already equal on both sides. */
  unchanged: number;
  duration_ms: number;
}

export interface SessionSyncOptions {
  /** Per command through the session (default 120 s; a chunk is 4 MiB). */
  timeoutMs?: number;
  signal?: AbortSignal;
  dryRun?: boolean;
  onProgress?: (p: SessionSyncProgress) => void;
  /** Bytes of the transfer stream per chunk (default 4 MiB): each chunk is checksummed and kept. */
  chunkBytes?: number;
  /** Large transfers go through S3 (`aws s3 cp` on both ends) instead of the session. */
  s3Staging?: S3StagingOptions;
  /** Something went wrong that did not fail the transfer (staged objects left in S3). */
  onWarning?: (message: string) => void;
}

export interface SessionPushOptions extends SessionSyncOptions {
  /** The local project directory. */
  localRoot: string;
  /** The copy on the node: absolute, or relative to the home directory (`~/` allowed). */
  remoteRoot: string;
  /** The source's sync_exclude patterns (gitignore syntax). .gitignore files are always honoured. */
  excludes?: readonly string[];
  /** Directories (relative to the root) never synced and never deleted: the sweep outputs. `.hsm/` always is. */
  protectedDirs?: readonly string[];
  /** Send .git/ too (default: left out). */
  includeGit?: boolean;
}

export interface S3StagingOptions {
  /** `s3://bucket/prefix`: objects go under `<prefix>/hsm-staging/<random>/`, removed after the transfer. */
  url: string;
  region?: string | null;
  profile?: string | null;
  /** The AWS CLI on this machine (default `aws` on the PATH). */
  awsCommand?: string;
  /** Transfers with less data go through the session (default 4 MiB). */
  minBytes?: number;
}

export interface SessionPullOptions extends SessionSyncOptions {
  /** The directory on the node: absolute, or relative to the home directory (`~/` allowed). */
  remoteDir: string;
  /** Where it lands here (created when missing). */
  localDir: string;
  /** Also delete local files the node's directory does not have (default: keep them). */
  delete?: boolean;
}

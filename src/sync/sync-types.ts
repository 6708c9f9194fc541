// Project sync: what `hsm sync check|push|pull` and the ssh source's pre-run check report.

/** How the local project compares with the copy on a source's host. */
export type SyncVerdict = 'in_sync' | 'local_newer' | 'remote_newer' | 'diverged';

/** `git`: commits and dirty files compared; `checksum`: file contents (no git project). */
export type SyncMode = 'git' | 'checksum';

/** Which side changed a file since the state both share (`both`: each side its own way). */
export type ChangeSide = 'local' | 'remote' | 'both';

export interface FileDifference {
  /** Relative to the project root, `/`-separated. */
  path: string;
  side: ChangeSide;
  /** hsm_config.yaml, a sweep file, requirements/environment files: they change what runs. */
  config: boolean;
}

/** One side's state as the comparison saw it. */
export interface SideState {
  /** HEAD commit; null without git or before the first commit. */
  commit: string | null;
  branch: string | null;
  /** Files that differ from the commit (tracked changes and untracked, not ignored, files). */
  dirty_files: string[];
}

export interface SyncReport {
  source: string;
  /** The ssh destination (host or alias). */
  host: string;
  /** The project directory on the host, as written in hsm_config.yaml. */
  workdir: string;
  mode: SyncMode;
  verdict: SyncVerdict;
  /** The host has no copy yet (workdir missing or empty): a push creates it. */
  remote_missing: boolean;
  local: SideState;
  remote: SideState;
  /** Every file that differs, sorted by path. */
  files: FileDifference[];
  /** The paths of `files` that are configuration (also flagged in `files`). */
  config_files: string[];
  /** When the comparison was made (ISO 8601). */
  checked_at: string;
}

/** One file an rsync run moved or would move. */
export interface TransferItem {
  path: string;
  /** `send` (new or changed content or metadata), `delete` on the receiving side. */
  action: 'send' | 'delete';
}

export interface SyncTransfer {
  direction: 'push' | 'pull';
  dry_run: boolean;
  /** The comparison made before the transfer. */
  before: SyncReport;
  /** Files moved (or that would move, with dry_run); git metadata (.git/) included. */
  items: TransferItem[];
  /** Bytes over the connection, both ways (file data, checksums, file lists). */
  bytes: number;
  duration_ms: number;
}

export interface SyncProgress {
  /** Bytes of file data transferred so far. */
  bytes: number;
  /** 0..100, rsync's estimate over the whole transfer. */
  percent: number;
  /** As rsync prints it, e.g. `12.3MB/s`. */
  rate: string;
  /** Remaining time as rsync prints it (`0:00:12`). */
  eta: string;
}

export interface SyncOptions {
  /** `ssh -F FILE` (tests, or a config other than ~/.ssh/config). */
  sshConfigFile?: string;
  /** Extra `-o Key=Value` ssh options, before the source's own. */
  sshOptions?: string[];
  /** ControlPath pattern for connection sharing (default: hsm's, shared with the ssh source). */
  controlPath?: string | null;
  connectTimeoutSec?: number;
  signal?: AbortSignal;
}

export interface TransferOptions extends SyncOptions {
  dryRun?: boolean;
  /** Overwrite the other side's own changes (remote newer or diverged for a push). */
  force?: boolean;
  onProgress?: (p: SyncProgress) => void;
}

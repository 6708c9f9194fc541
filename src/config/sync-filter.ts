// What project sync leaves out, as rsync filter rules: the one definition, used by rsync for ssh
// sources (sync/rsync-argv.ts) and by the listing of files pushed through a session
// (remote/session-sync/local-manifest.ts, which runs a local rsync dry run with these rules).
// First match wins: paths always kept out (the sweep outputs, `.hsm/`), then .git/ whole or
// absent (a .gitignore pattern such as `logs/` or `*.pack` must never take parts of it), then the
// source's sync_exclude patterns, then .gitignore files everywhere.

export interface SyncFilterRules {
  /** Anchored rsync patterns always left out (`/outputs/`, `/.hsm/`). */
  protectedPaths: readonly string[];
  /** The source's `sync_exclude` patterns (gitignore syntax, which rsync's patterns share). */
  excludes: readonly string[];
  /** Leave .git/ out; else it travels whole. */
  withoutGit: boolean;
}

export function syncFilterArgs(rules: SyncFilterRules): string[] {
  const argv: string[] = [];
  for (const p of rules.protectedPaths) argv.push(`--exclude=${p}`);
  argv.push(rules.withoutGit ? '--exclude=/.git/' : '--include=/.git/***');
  for (const p of rules.excludes) argv.push(`--exclude=${p}`);
  argv.push('--filter=:- .gitignore');
  return argv;
}

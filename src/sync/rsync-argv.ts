import { syncFilterArgs } from '../config/sync-filter.js';
import { quoteShellArgv } from '../domain/shell-quote.js';
import { buildSshOptionArgs } from '../remote/ssh/ssh-argv.js';
import type { SshEndpoint } from '../remote/ssh/source-client.js';

// argv of rsync for project sync, and nothing else (rsync-run.ts starts it). rsync reaches the
// host through `-e`: the same OpenSSH options as every other ssh command of hsm (ssh-argv.ts), so
// it rides the same ControlMaster connection, in BatchMode, with host keys verified.

export interface RsyncPlan {
  endpoint: SshEndpoint;
  /** The project's directory on the host (relative to the login directory, or absolute). */
  workdir: string;
  /** The rsync program on the host. */
  rsyncPath: string;
  /** Anchored rsync patterns always left out (the sweep output directory). */
  protectedPaths: string[];
  /** The source's `sync_exclude` patterns. */
  excludes: string[];
}

export interface RsyncRun {
  direction: 'push' | 'pull';
  dryRun: boolean;
  /** Compare contents instead of size + mtime (the check; a transfer relies on rsync's quick check). */
  checksum?: boolean;
  /** Leave .git/ out (listing project files); else it travels with the project. */
  withoutGit?: boolean;
  /** Overall progress lines (`--info=progress2`). */
  progress?: boolean;
  /**
   * A file (relative to the workdir) and its content, written on the host after a successful
   * transfer by the same remote command that ran rsync (no second connection).
   */
  afterwards?: { file: string; content: string };
}

/** One `%i\t%M\t%n` line per item: what changes, the sender's mtime, the name. */
export const ITEM_FORMAT = '%i\t%M\t%n';

export function buildRsyncArgv(plan: RsyncPlan, run: RsyncRun): string[] {
  // -a without owner and group: a copy belongs to whoever receives it (as root, -a would hand
  // the project directory itself to the other side's uid)
  const argv = [
    'rsync',
    '-a',
    '--no-owner',
    '--no-group',
    '--delete',
    // mtimes compared to the nanosecond (receiver rsync 3.1.3+): a same-size edit made within the
    // second of the last transfer is otherwise taken for unchanged by rsync's size+mtime check
    '--modify-window=-1',
    `--out-format=${ITEM_FORMAT}`,
    '--stats',
  ];
  if (run.dryRun) argv.push('--dry-run');
  if (run.checksum) argv.push('--checksum');
  if (run.progress) argv.push('--info=progress2');
  argv.push('-e', rsyncShellCommand(['ssh', ...buildSshOptionArgs(plan.endpoint.client)]));
  if (run.afterwards) argv.push(`--rsync-path=${rsyncThenWrite(plan, run.afterwards)}`);
  else if (plan.rsyncPath !== 'rsync') argv.push(`--rsync-path=${plan.rsyncPath}`);
  argv.push(
    ...syncFilterArgs({
      protectedPaths: plan.protectedPaths,
      excludes: plan.excludes,
      withoutGit: run.withoutGit === true,
    }),
  );
  const remote = `${plan.endpoint.destination}:${plan.workdir.replace(/\/+$/, '')}/`;
  if (run.direction === 'push') argv.push('./', remote);
  else argv.push(remote, './');
  return argv;
}

// The remote command rsync starts is `<rsync-path> --server ...`, read by the login shell: a small
// sh runs the real rsync with those arguments and, when it succeeded, writes the file (atomically:
// temp + rename). Nothing is printed: stdout is rsync's protocol stream.
function rsyncThenWrite(plan: RsyncPlan, after: { file: string; content: string }): string {
  const script =
    'rs=$1 wd=$2 f=$3 c=$4; shift 4; "$rs" "$@" || exit $?; ' +
    '{ cd -- "$wd" && { [ -d "${f%/*}" ] || mkdir -p -- "${f%/*}"; } && printf "%s\\n" "$c" >"$f.tmp" && mv -f -- "$f.tmp" "$f"; } >/dev/null 2>&1; exit 0';
  return quoteShellArgv([
    'sh',
    '-c',
    script,
    'hsm-rsync',
    plan.rsyncPath,
    plan.workdir,
    after.file,
    after.content,
  ]);
}

// rsync splits its -e value itself (no shell): words are separated by spaces and may be quoted,
// a doubled quote inside quotes standing for the quote. Every word is quoted this way so that
// option values with spaces (an identity file under "My Keys") stay one word.
export function rsyncShellCommand(argv: readonly string[]): string {
  return argv.map((w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, "''")}'`)).join(' ');
}

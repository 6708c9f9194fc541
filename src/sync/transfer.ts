import { HsmError } from '../domain/errors.js';
import { quoteShellArgv } from '../domain/shell-quote.js';
import { runCommand } from '../process/run-command.js';
import { buildSshOptionArgs } from '../remote/ssh/ssh-argv.js';
import { assertRsyncOk, compareSite, type SiteComparison } from './check.js';
import { summarizeDifferences } from './format-report.js';
import { SYNC_BASE_FILE, serializeSyncBase } from './probe-script.js';
import { buildRsyncArgv } from './rsync-argv.js';
import { movedFiles, runRsync } from './rsync-run.js';
import { describeSite, runOnHost, tail, type SyncSite } from './sync-site.js';
import type { SyncReport, SyncTransfer, TransferItem, TransferOptions } from './sync-types.js';

// `hsm sync push|pull`: compare first, refuse to overwrite the other side's own changes (unless
// forced), then one incremental rsync. A push carries .git/ along (the copy on the host is then
// the same repository, so the next check compares commits); a pull never writes the local .git/:
// new commits come with `git fetch` + a fast-forward, files with rsync.

/** Larger records (many dirty files) go in a command of their own, not on rsync's command line. */
const INLINE_RECORD_MAX = 64 * 1024;

export async function pushSite(
  site: SyncSite,
  options: TransferOptions = {},
  compared?: SiteComparison,
): Promise<SyncTransfer> {
  const started = Date.now();
  const cmp =
    compared ?? (await compareSite(site, { signal: options.signal, allowNonGitRemote: options.force }));
  const before = cmp.report;
  if ((before.verdict === 'remote_newer' || before.verdict === 'diverged') && !options.force) {
    throw new HsmError(
      'usage',
      `Not pushing to ${describeSite(site)}: its copy has changes of its own (${before.verdict.replace('_', ' ')}) that a push would overwrite.`,
      {
        evidence: summarizeDifferences(before),
        hint: `Look at them with \`hsm sync check ${site.source.name}\`; bring them here with \`hsm sync pull ${site.source.name}\`, or overwrite them with \`hsm sync push ${site.source.name} --force\`.`,
      },
    );
  }
  if (before.verdict === 'in_sync') return done();
  if (before.remote_missing && !options.dryRun) await makeWorkdir(site, options.signal);
  // the record of what the host now has rides on the rsync command itself when it is small
  const record =
    !options.dryRun && before.mode === 'git'
      ? serializeSyncBase({ commit: cmp.local.head, dirty: cmp.local.dirty })
      : null;
  const inline = record !== null && record.length <= INLINE_RECORD_MAX;
  const argv = buildRsyncArgv(site.plan, {
    direction: 'push',
    dryRun: Boolean(options.dryRun),
    withoutGit: before.mode !== 'git',
    progress: Boolean(options.onProgress),
    afterwards: inline ? { file: SYNC_BASE_FILE, content: record } : undefined,
  });
  const r = await runRsync(argv, {
    cwd: site.localRoot,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  assertRsyncOk(site, r, 'pushing the project');
  if (record !== null && !inline) await recordBase(site, record, options.signal);
  return done(movedFiles(r.items), r.bytes);

  function done(items: readonly TransferItem[] = [], bytes = 0): SyncTransfer {
    return transferResult('push', options, before, items, bytes, started);
  }
}

// What a transfer reports: the files moved (or that would move), not directories.
function transferResult(
  direction: 'push' | 'pull',
  options: TransferOptions,
  before: SyncReport,
  items: readonly TransferItem[],
  bytes: number,
  started: number,
): SyncTransfer {
  return {
    direction,
    dry_run: Boolean(options.dryRun),
    before,
    items: items.map((i) => ({ path: i.path, action: i.action })),
    bytes,
    duration_ms: Date.now() - started,
  };
}

export async function pullSite(site: SyncSite, options: TransferOptions = {}): Promise<SyncTransfer> {
  const started = Date.now();
  const cmp = await compareSite(site, { signal: options.signal });
  const before = cmp.report;
  if (before.remote_missing) {
    throw new HsmError(
      'usage',
      `Nothing to pull: ${describeSite(site)} has no copy of the project in ${before.workdir}.`,
      {
        hint: `Push it there first with \`hsm sync push ${site.source.name}\`.`,
      },
    );
  }
  if ((before.verdict === 'local_newer' || before.verdict === 'diverged') && !options.force) {
    throw new HsmError(
      'usage',
      `Not pulling from ${describeSite(site)}: the local project has changes of its own (${before.verdict.replace('_', ' ')}) that a pull would overwrite.`,
      {
        evidence: summarizeDifferences(before),
        hint: `Commit or stash them, push them with \`hsm sync push ${site.source.name}\`, or overwrite them with \`hsm sync pull ${site.source.name} --force\`.`,
      },
    );
  }
  let items: TransferItem[] = [];
  let bytes = 0;
  if (before.verdict !== 'in_sync') {
    const newCommits =
      before.mode === 'git' &&
      cmp.remote.head !== null &&
      cmp.remote.head !== cmp.local.head &&
      cmp.remote.containsAsked;
    if (newCommits && !options.dryRun) await fetchAndFastForward(site, options.signal);
    const argv = buildRsyncArgv(site.plan, {
      direction: 'pull',
      dryRun: Boolean(options.dryRun),
      withoutGit: true,
      progress: Boolean(options.onProgress),
    });
    const r = await runRsync(argv, {
      cwd: site.localRoot,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    assertRsyncOk(site, r, 'pulling the project');
    if (!options.dryRun && before.mode === 'git')
      await recordBase(
        site,
        serializeSyncBase({ commit: cmp.remote.head, dirty: cmp.remote.dirty }),
        options.signal,
      );
    items = movedFiles(r.items);
    bytes = r.bytes;
  }
  return transferResult('pull', options, before, items, bytes, started);
}

// The state both sides now share, kept on the host in .hsm/sync-base (never synced): the next
// comparison then knows that uncommitted edits pushed earlier are not the host's own changes.
// Best effort: without it the comparison only gets more cautious (diverged instead of local newer).
async function recordBase(site: SyncSite, record: string, signal?: AbortSignal): Promise<void> {
  const script =
    'cd -- "$1" && mkdir -p .hsm && printf "%s\\n" "$2" >.hsm/sync-base.tmp && mv -f .hsm/sync-base.tmp .hsm/sync-base';
  try {
    await runOnHost(site, ['sh', '-c', script, 'sh', site.source.workdir, record], 'recording the sync', {
      signal,
    });
  } catch {
    /* see above */
  }
}

async function makeWorkdir(site: SyncSite, signal?: AbortSignal): Promise<void> {
  const r = await runOnHost(site, ['mkdir', '-p', '--', site.source.workdir], 'creating the workdir', {
    signal,
  });
  if (r.exitCode !== 0) {
    throw new HsmError(
      'infra',
      `Cannot create the workdir ${site.source.workdirDisplay} on ${describeSite(site)}.`,
      {
        evidence: tail(r.stderr),
        hint: `Point \`workdir:\` of source \`${site.source.name}\` at a directory the login user can create (e.g. ~/hsm/${site.localRoot.split('/').pop()}).`,
      },
    );
  }
}

// New commits of the host come as git objects (fetch over the same ssh options), then a fast-forward
// of the local branch; the local repository is never overwritten file by file.
async function fetchAndFastForward(site: SyncSite, signal?: AbortSignal): Promise<void> {
  const sshCommand = quoteShellArgv(['ssh', ...buildSshOptionArgs(site.endpoint.client)]);
  const env = { ...process.env, GIT_SSH_COMMAND: sshCommand, GIT_SSH_VARIANT: 'ssh' };
  const url = `${site.endpoint.destination}:${site.source.workdir}`;
  const fetch = await runCommand(['git', 'fetch', '--no-tags', '--quiet', url, 'HEAD'], {
    cwd: site.localRoot,
    env,
  });
  if (signal?.aborted) throw new HsmError('interrupted', 'Interrupted while fetching commits.');
  if (fetch.exitCode !== 0) {
    throw new HsmError('infra', `Cannot fetch the new commits from ${describeSite(site)}.`, {
      evidence: tail(fetch.stderr),
      hint: `Check \`git fetch ${url}\` by hand.`,
    });
  }
  const merge = await runCommand(['git', 'merge', '--ff-only', '--quiet', 'FETCH_HEAD'], {
    cwd: site.localRoot,
  });
  if (merge.exitCode !== 0) {
    throw new HsmError(
      'infra',
      `Cannot fast-forward the local branch to the commit of ${describeSite(site)}.`,
      {
        evidence: tail(merge.stderr),
        hint: 'Commit or stash local changes to the files the new commits touch, then pull again.',
      },
    );
  }
}

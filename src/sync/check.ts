import { HsmError } from '../domain/errors.js';
import { runCommand } from '../process/run-command.js';
import { readHeadCommit } from './git-head.js';
import { compareChecksums, compareGit, type ChecksumDifference, type Comparison } from './compare.js';
import { isConfigFile } from './config-files.js';
import {
  localProbeArgv,
  parseProbeOutput,
  parseRawDiff,
  remoteProbeCommand,
  type ProbeResult,
} from './probe-script.js';
import { buildRsyncArgv } from './rsync-argv.js';
import { movedFiles, runRsync, type RsyncItem } from './rsync-run.js';
import { describeSite, runCommandLineOnHost, tail, type SyncSite } from './sync-site.js';
import type { ChangeSide, FileDifference, SyncMode, SyncReport } from './sync-types.js';

// `hsm sync check`: both sides described by the same probe (one ssh command for the host), then
// compared. Git projects by commits and dirty files; projects without git (or a host without git)
// by rsync --checksum dry runs in both directions.

export interface SiteComparison {
  report: SyncReport;
  local: ProbeResult;
  remote: ProbeResult;
}

export async function compareSite(
  site: SyncSite,
  options: { signal?: AbortSignal; allowNonGitRemote?: boolean } = {},
): Promise<SiteComparison> {
  // The host's probe needs the local HEAD (is it in the host's history?): read it first, then
  // describe both sides at once.
  const probe = remoteProbeCommand({
    dir: site.source.workdir,
    rsyncProgram: site.source.rsyncPath,
    ancestor: await readHeadCommit(site.localRoot),
    exclude: site.outputDir,
    patterns: site.source.syncExclude,
  });
  const [local, r] = await Promise.all([
    probeLocal(site),
    runCommandLineOnHost(site, probe, 'inspecting the project directory', {
      timeoutMs: 180_000,
      signal: options.signal,
    }),
  ]);
  if (r.exitCode !== 0) {
    throw new HsmError('infra', `Cannot inspect the project directory on ${describeSite(site)}.`, {
      evidence: tail(r.stderr),
      hint: 'The login shell of the host must run POSIX sh commands; check `ssh HOST sh -c true`.',
    });
  }
  const remote = parseProbeOutput(r.stdout);
  checkRemote(site, remote);

  const mode: SyncMode = local.git && remote.gitInstalled ? 'git' : 'checksum';
  const remote_missing = remote.exists === 'no' || remote.empty;
  let comparison: Comparison;
  if (remote_missing) comparison = { verdict: 'local_newer', files: new Map() };
  else if (mode === 'git' && !remote.git) {
    if (!options.allowNonGitRemote) throw notGitRemote(site);
    comparison = { verdict: 'diverged', files: null };
  } else if (mode === 'git') comparison = await compareGitSides(site, local, remote);
  else comparison = compareChecksums(await checksumDifferences(site, options.signal));

  let files = comparison.files;
  if (files === null) files = await listDivergedFiles(site, local, remote, options.signal);
  const differences: FileDifference[] = [...files]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, side]) => ({ path, side, config: isConfigFile(path, site.sweepDir) }));
  const report: SyncReport = {
    source: site.source.name,
    host: site.source.host,
    workdir: site.source.workdirDisplay,
    mode,
    verdict: comparison.verdict,
    remote_missing,
    local: { commit: local.head, branch: local.branch, dirty_files: [...local.dirty.keys()].sort() },
    remote: { commit: remote.head, branch: remote.branch, dirty_files: [...remote.dirty.keys()].sort() },
    files: differences,
    config_files: differences.filter((f) => f.config).map((f) => f.path),
    checked_at: new Date().toISOString(),
  };
  return { report, local, remote };
}

async function probeLocal(site: SyncSite): Promise<ProbeResult> {
  const r = await runCommand(
    localProbeArgv({
      dir: site.localRoot,
      rsyncProgram: 'rsync',
      ancestor: '',
      exclude: site.outputDir,
      patterns: site.source.syncExclude,
    }),
    { cwd: site.localRoot },
  );
  if (r.exitCode !== 0)
    throw new HsmError('internal', 'The local sync probe failed.', { evidence: tail(r.stderr) });
  const local = parseProbeOutput(r.stdout);
  if (!local.rsync) {
    throw new HsmError('infra', 'rsync is not installed on this machine.', {
      hint: 'Install it (e.g. `sudo apt install rsync`, `brew install rsync`); hsm syncs projects with it.',
    });
  }
  if (local.error) throw new HsmError('infra', `git failed on the local project: ${local.error}`);
  return local;
}

function checkRemote(site: SyncSite, remote: ProbeResult): void {
  const where = `${site.source.workdirDisplay} on ${describeSite(site)}`;
  if (!remote.rsync) {
    throw new HsmError(
      'infra',
      `rsync is not installed on ${describeSite(site)} (\`${site.source.rsyncPath}\` is not on the PATH of a non-interactive ssh session).`,
      {
        hint: `Install rsync on ${site.source.host} (e.g. \`sudo apt install rsync\`), or set \`rsync_path:\` of source \`${site.source.name}\` to where it is.`,
      },
    );
  }
  if (remote.exists === 'notdir')
    throw new HsmError('infra', `The workdir ${where} is a file, not a directory.`, {
      hint: `Point \`workdir:\` of source \`${site.source.name}\` at a directory.`,
    });
  if (remote.exists === 'denied')
    throw new HsmError('infra', `The workdir ${where} cannot be entered (permission denied).`, {
      hint: `Point \`workdir:\` of source \`${site.source.name}\` at a directory the login user owns.`,
    });
  if (remote.error) throw new HsmError('infra', `git failed in ${where}: ${remote.error}`);
}

export function notGitRemote(site: SyncSite): HsmError {
  return new HsmError(
    'infra',
    `The workdir ${site.source.workdirDisplay} on ${describeSite(site)} exists and is not a git repository, so it cannot be compared with this git project (and hsm will not overwrite it).`,
    {
      hint: `If it is an older copy of this project, replace it with \`hsm sync push ${site.source.name} --force\`; otherwise point \`workdir:\` of source \`${site.source.name}\` at a new directory.`,
    },
  );
}

async function compareGitSides(site: SyncSite, local: ProbeResult, remote: ProbeResult): Promise<Comparison> {
  let remoteHeadInLocal = false;
  let localCommitChanges = new Map<string, string>();
  if (remote.head !== local.head && local.head !== null) {
    if (remote.head === null) {
      remoteHeadInLocal = true;
      const empty = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
      localCommitChanges = parseRawDiff(
        await gitOutput(site, ['diff-tree', '-r', '-z', '--no-renames', empty, local.head]),
      );
    } else {
      const anc = await runCommand(['git', 'merge-base', '--is-ancestor', remote.head, local.head], {
        cwd: site.localRoot,
      });
      if (anc.exitCode === 0) {
        remoteHeadInLocal = true;
        localCommitChanges = parseRawDiff(
          await gitOutput(site, ['diff-tree', '-r', '-z', '--no-renames', remote.head, local.head]),
        );
      }
    }
  }
  return compareGit({
    local: { head: local.head, dirty: local.dirty },
    remote: { head: remote.head, dirty: remote.dirty },
    remoteHeadInLocal,
    localCommitChanges,
    localHeadInRemote: remote.containsAsked === true,
    remoteCommitChanges: remote.commitChanges,
    base: remote.base && { head: remote.base.commit, dirty: remote.base.dirty },
  });
}

async function gitOutput(site: SyncSite, args: string[]): Promise<string> {
  const pathspec = ['--', '.', ':(exclude).hsm', ...(site.outputDir ? [`:(exclude)${site.outputDir}`] : [])];
  const r = await runCommand(['git', ...args, ...pathspec], { cwd: site.localRoot });
  if (r.exitCode !== 0) throw new HsmError('internal', `git ${args[0]} failed`, { evidence: tail(r.stderr) });
  return r.stdout;
}

// Both directions of `rsync --dry-run --checksum` (without .git): what differs, with each side's mtime.
async function checksumDifferences(site: SyncSite, signal?: AbortSignal): Promise<ChecksumDifference[]> {
  const [push, pull] = await Promise.all([
    dryRunItems(site, 'push', signal),
    dryRunItems(site, 'pull', signal),
  ]);
  const byPath = new Map<string, ChecksumDifference>();
  const entry = (path: string) => {
    let d = byPath.get(path);
    if (!d) byPath.set(path, (d = { path, localTime: null, remoteTime: null }));
    return d;
  };
  for (const i of push) if (i.action === 'send') entry(i.path).localTime = i.mtime;
  for (const i of pull) if (i.action === 'send') entry(i.path).remoteTime = i.mtime;
  return [...byPath.values()];
}

// Commits with no known common history: the files rsync --checksum finds different, attributed
// to the side(s) whose dirty files or commit name them.
async function listDivergedFiles(
  site: SyncSite,
  local: ProbeResult,
  remote: ProbeResult,
  signal?: AbortSignal,
): Promise<Map<string, ChangeSide>> {
  const items = await dryRunItems(site, 'push', signal);
  const files = new Map<string, ChangeSide>();
  for (const i of items) {
    const l = local.dirty.has(i.path);
    const r = remote.dirty.has(i.path);
    files.set(i.path, l && !r ? 'local' : r && !l ? 'remote' : 'both');
  }
  return files;
}

// Files (not directories) whose data differs or that only the receiver has.
export async function dryRunItems(
  site: SyncSite,
  direction: 'push' | 'pull',
  signal?: AbortSignal,
): Promise<RsyncItem[]> {
  const argv = buildRsyncArgv(site.plan, { direction, dryRun: true, checksum: true, withoutGit: true });
  const r = await runRsync(argv, { cwd: site.localRoot, signal });
  assertRsyncOk(site, r, 'comparing files');
  return movedFiles(r.items);
}

export function assertRsyncOk(
  site: SyncSite,
  r: { exitCode: number | null; stderr: string; spawnError: string | null; interrupted: boolean },
  what: string,
): void {
  if (r.interrupted)
    throw new HsmError('interrupted', `Interrupted while ${what} with ${describeSite(site)}.`);
  if (r.spawnError)
    throw new HsmError('infra', `Cannot start rsync on this machine: ${r.spawnError}.`, {
      hint: 'Install rsync (e.g. `sudo apt install rsync`).',
    });
  // 24: files vanished on the sending side while rsync ran (a task writing outputs): not an error
  if (r.exitCode === 0 || r.exitCode === 24) return;
  const hint =
    r.exitCode === 255
      ? `The ssh connection to ${site.source.host} failed or dropped; check \`ssh ${site.source.host} true\`.`
      : /No space left on device/.test(r.stderr)
        ? `The disk of the receiving side is full; free space on it and sync again.`
        : `rsync exited ${r.exitCode}; see its message above.`;
  throw new HsmError('infra', `rsync failed while ${what} with ${describeSite(site)}.`, {
    evidence: tail(r.stderr),
    hint,
  });
}

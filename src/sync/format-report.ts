import type { SideState, SyncReport, SyncTransfer } from './sync-types.js';
import { plural } from '../domain/plural.js';

// Sync reports as people read them (the CLI and the errors of push, pull and the pre-run check).

const VERDICT_TEXT = {
  in_sync: 'in sync',
  local_newer: 'local newer',
  remote_newer: 'remote newer',
  diverged: 'diverged',
} as const;

export function verdictText(report: SyncReport): string {
  if (report.remote_missing) return 'local newer (no copy on the host yet)';
  return VERDICT_TEXT[report.verdict];
}

const SHOWN = 20;

// `  local   train.py` lines (config files marked), at most 20, then a count of the rest.
export function summarizeDifferences(report: SyncReport, limit = SHOWN): string {
  if (report.remote_missing) return `${report.host} has no copy of the project in ${report.workdir}`;
  const lines = report.files
    .slice(0, limit)
    .map((f) => `${f.side.padEnd(6)}  ${f.path}${f.config ? '  [config]' : ''}`);
  if (report.files.length > limit) lines.push(`... and ${report.files.length - limit} more`);
  if (report.files.length === 0 && report.verdict !== 'in_sync') lines.push('(only git metadata differs)');
  return lines.join('\n');
}

function side(s: SideState): string {
  if (s.commit === null)
    return s.dirty_files.length ? `no commit, ${plural(s.dirty_files.length, 'file')}` : 'no git';
  const dirty = s.dirty_files.length ? ` + ${plural(s.dirty_files.length, 'changed file')}` : ', clean';
  return `${s.commit.slice(0, 10)}${s.branch ? ` (${s.branch})` : ''}${dirty}`;
}

export function renderSyncReport(report: SyncReport): string {
  const lines = [`${report.source} (${report.host}:${report.workdir}): ${verdictText(report)}`];
  if (report.mode === 'git') {
    lines.push(`  local   ${side(report.local)}`);
    if (!report.remote_missing) lines.push(`  remote  ${side(report.remote)}`);
  } else lines.push('  compared by checksum (no git)');
  if (report.files.length) {
    lines.push(
      `  ${plural(report.files.length, 'file')} ${report.files.length === 1 ? 'differs' : 'differ'} (changed on):`,
    );
    lines.push(
      ...summarizeDifferences(report, 50)
        .split('\n')
        .map((l) => `    ${l}`),
    );
  }
  if (report.config_files.length) lines.push(`  configuration differs: ${report.config_files.join(', ')}`);
  const next = {
    in_sync: null,
    local_newer: `push it: hsm sync push ${report.source}`,
    remote_newer: `bring it here: hsm sync pull ${report.source}`,
    diverged: `both sides changed: pull or push with --force after looking at the files`,
  }[report.verdict];
  if (next) lines.push(`  ${next}`);
  return lines.join('\n');
}

const isGit = (p: string) => p === '.git' || p.startsWith('.git/');

// `send  path` lines for a dry run (project files; .git/ counted), then one summary line.
export function renderTransfer(t: SyncTransfer): string {
  const project = t.items.filter((i) => !isGit(i.path));
  const git = t.items.length - project.length;
  const lines: string[] = [];
  if (t.dry_run) {
    for (const i of project) lines.push(`${i.action === 'send' ? 'send  ' : 'delete'}  ${i.path}`);
    if (git) lines.push(`(and ${plural(git, 'file')} of git metadata under .git/; --json lists them)`);
  }
  if (t.items.length === 0) {
    lines.push(`${t.before.source}: nothing to ${t.direction} (${verdictText(t.before)})`);
    return lines.join('\n');
  }
  const sends = project.filter((i) => i.action === 'send').length;
  const deletes = project.length - sends;
  const where = t.direction === 'push' ? `${t.before.host}:${t.before.workdir}` : 'here';
  const counts = t.dry_run
    ? `would send ${plural(sends, 'file')} and delete ${deletes} in ${where}`
    : `sent ${plural(sends, 'file')} and deleted ${deletes} in ${where}`;
  const extra = git ? `, ${git} under .git/` : '';
  const cost = t.dry_run
    ? ''
    : ` (${(t.bytes / 1024).toFixed(1)} KiB over the connection, ${(t.duration_ms / 1000).toFixed(2)} s)`;
  lines.push(`${t.before.source}: ${counts}${extra}${cost}`);
  return lines.join('\n');
}

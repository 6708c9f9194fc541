import { Command } from 'commander';
import {
  HsmError,
  catchUpLeftSweep,
  openProject,
  getSweepStatus,
  pullLeftSweep,
  writeStatusJson,
} from '../../api/index.js';
import { describeCounts } from '../progress.js';
import { watchStatus } from '../status-watch.js';
import { red, dim, stdoutPaint } from '../output.js';
import { plural } from '../../domain/plural.js';

// `hsm status [SWEEP_ID] [--json] [--watch]`: counts by status, per source, ETA, and the tasks that
// did not complete with why.
export function registerStatus(program: Command): void {
  program
    .command('watch')
    .description('the status of a sweep, refreshed every 2 seconds until it is done (= status --watch)')
    .argument('[sweep_id]', 'sweep id, unique prefix, or sweep directory')
    .option('--json', 'the status document as JSON, one line per refresh')
    .option('--interval <seconds>', 'seconds between refreshes', '2')
    .option('--all', 'when the sweep has ended, list every task')
    .option('--ssh-config <file>', 'ssh client config file (ssh -F) for the login node of a detached sweep')
    .action(async (id: string | undefined, flags: Omit<StatusFlags, 'watch'>) =>
      showStatus(id, { ...flags, watch: true }),
    );
  program
    .command('status')
    .description('counts by status, per source, ETA (no id: the latest sweep)')
    .argument('[sweep_id]', 'sweep id, unique prefix, or sweep directory')
    .option('--json', 'the status document as JSON')
    .option(
      '-w, --watch',
      'live: counts, sources, running tasks, ETA and recent failures until the sweep ends (Ctrl-C stops watching)',
    )
    .option('--interval <seconds>', 'with --watch: seconds between refreshes', '2')
    .option('--all', 'list every task, not only the ones that did not complete (with --watch: when it ends)')
    .option('--ssh-config <file>', 'ssh client config file (ssh -F) for the login node of a detached sweep')
    .action(async (id: string | undefined, flags: StatusFlags) => showStatus(id, flags));
}

interface StatusFlags {
  json?: boolean;
  watch?: boolean;
  all?: boolean;
  interval: string;
  sshConfig?: string;
}

async function showStatus(id: string | undefined, flags: StatusFlags): Promise<void> {
  const project = openProject();
  if (flags.watch) {
    // a sweep left on a scheduler is pulled and caught up by the watch itself, every few seconds
    const intervalMs = parseInterval(flags.interval);
    const watched = await watchStatus(project, id, {
      json: Boolean(flags.json),
      intervalMs,
      sshConfigFile: flags.sshConfig,
    });
    process.exitCode = watched.code;
    if (flags.all && !flags.json && watched.code === 0)
      process.stdout.write(renderStatusText(getSweepStatus(project, watched.sweepDir), true));
    return;
  }
  // a sweep left on a batch scheduler that no hsm follows: what its jobs recorded since, first
  // (pulled from the cluster's copy of the sweep directory when it does not share this filesystem)
  const pulled = await pullLeftSweep(project, id, { sshConfigFile: flags.sshConfig });
  for (const e of pulled?.errors ?? [])
    process.stderr.write(
      `warning: ${e}: the state below is what had come back before; ` +
        `\`hsm status\` again or \`hsm collect ${pulled!.sweep_id}\` brings the rest once the login node answers\n`,
    );
  catchUpLeftSweep(project, id);
  if (flags.json) {
    writeStatusJson(project, id, (chunk) => process.stdout.write(chunk));
    return;
  }
  process.stdout.write(renderStatusText(getSweepStatus(project, id), Boolean(flags.all)));
}

function parseInterval(text: string): number {
  const s = Number(text);
  if (!Number.isFinite(s) || s < 0.1 || s > 3600) {
    throw new HsmError('usage', `--interval must be a number of seconds from 0.1 to 3600, got "${text}"`, {
      hint: 'e.g. --interval 5',
    });
  }
  return Math.round(s * 1000);
}

function renderStatusText(s: ReturnType<typeof getSweepStatus>, all: boolean): string {
  const lines = [`sweep ${s.sweep_id}  (${s.sweep_dir})`];
  lines.push(`  ${plural(s.total, 'task')}: ${describeCounts(s.counts, stdoutPaint) || 'none'}`);
  for (const [name, c] of Object.entries(s.sources))
    lines.push(`  source ${name}: ${describeCounts(c, stdoutPaint)}`);
  if (s.running_pid !== null)
    lines.push(
      `  running (hsm pid ${s.running_pid})${s.eta_seconds !== null ? `, ETA ${formatEta(s.eta_seconds)}` : ''}`,
    );
  else if (s.counts.queued + s.counts.running > 0)
    // left on a batch scheduler (--detach, Ctrl-C "leave"), or its hsm process died
    lines.push(
      `  no hsm process follows its ${s.counts.queued + s.counts.running} queued/running ${s.counts.queued + s.counts.running === 1 ? 'task' : 'tasks'}: ` +
        `\`hsm complete ${s.sweep_id}\` waits for them and runs what is missing; \`hsm cancel ${s.sweep_id}\` stops them`,
    );
  const shown = s.tasks.filter((t) => all || (t.status !== 'completed' && t.status !== 'pending'));
  if (shown.length > 0) {
    lines.push('');
    const w = Math.max(...shown.map((t) => t.name.length));
    for (const t of shown.slice(0, all ? Infinity : 50)) {
      const status =
        t.status === 'failed' || t.status === 'lost' ? red(t.status.padEnd(9)) : t.status.padEnd(9);
      // the detail of a plain non-zero exit is the exit code again: shown once
      const extra = t.detail && t.detail !== `exit code ${t.exit_code}` ? dim(`  ${t.detail}`) : '';
      lines.push(
        `  ${t.name.padEnd(w)}  ${status} attempt ${t.attempts}${t.exit_code !== null ? `, exit ${t.exit_code}` : ''}${extra}`,
      );
    }
    if (!all && shown.length > 50) lines.push(`  ... and ${shown.length - 50} more (--all lists every task)`);
  }
  return lines.join('\n') + '\n';
}

function formatEta(s: number): string {
  if (s < 90) return `${s}s`;
  if (s < 5400) return `${Math.round(s / 60)}m`;
  return `${(s / 3600).toFixed(1)}h`;
}

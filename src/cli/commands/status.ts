import { Command } from 'commander';
import { openProject, getSweepStatus, writeStatusJson } from '../../api/index.js';
import { describeCounts } from '../progress.js';
import { red, dim, stdoutPaint } from '../output.js';

// `hsm status [SWEEP_ID] [--json] [--watch]`: counts by status, per source, ETA, and the tasks that
// did not complete with why.
export function registerStatus(program: Command): void {
  program
    .command('watch')
    .description('the status of a sweep, refreshed every 2 seconds until it is done (= status --watch)')
    .argument('[sweep_id]', 'sweep id, unique prefix, or sweep directory')
    .option('--all', 'list every task, not only the ones that did not complete')
    .action(async (id: string | undefined, flags: { all?: boolean }) =>
      showStatus(id, { watch: true, all: flags.all }),
    );
  program
    .command('status')
    .description('counts by status, per source, ETA (no id: the latest sweep)')
    .argument('[sweep_id]', 'sweep id, unique prefix, or sweep directory')
    .option('--json', 'the status document as JSON')
    .option('-w, --watch', 'refresh every 2 seconds until the sweep is done (Ctrl-C to stop watching)')
    .option('--all', 'list every task, not only the ones that did not complete')
    .action(async (id: string | undefined, flags: { json?: boolean; watch?: boolean; all?: boolean }) =>
      showStatus(id, flags),
    );
}

async function showStatus(
  id: string | undefined,
  flags: { json?: boolean; watch?: boolean; all?: boolean },
): Promise<void> {
  const project = openProject();
  if (flags.json && !flags.watch) {
    writeStatusJson(project, id, (chunk) => process.stdout.write(chunk));
    return;
  }
  for (;;) {
    const s = getSweepStatus(project, id);
    const text = renderStatusText(s, Boolean(flags.all));
    if (flags.watch && process.stdout.isTTY) process.stdout.write('\x1b[H\x1b[2J');
    process.stdout.write(flags.json ? JSON.stringify(s) + '\n' : text);
    const active = s.counts.running + s.counts.queued > 0 || s.running_pid !== null;
    if (!flags.watch || !active) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function renderStatusText(s: ReturnType<typeof getSweepStatus>, all: boolean): string {
  const lines = [`sweep ${s.sweep_id}  (${s.sweep_dir})`];
  lines.push(`  ${s.total} tasks: ${describeCounts(s.counts, stdoutPaint) || 'none'}`);
  for (const [name, c] of Object.entries(s.sources))
    lines.push(`  source ${name}: ${describeCounts(c, stdoutPaint)}`);
  if (s.running_pid !== null)
    lines.push(
      `  running (hsm pid ${s.running_pid})${s.eta_seconds !== null ? `, ETA ${formatEta(s.eta_seconds)}` : ''}`,
    );
  const shown = s.tasks.filter((t) => all || (t.status !== 'completed' && t.status !== 'pending'));
  if (shown.length > 0) {
    lines.push('');
    const w = Math.max(...shown.map((t) => t.name.length));
    for (const t of shown.slice(0, all ? Infinity : 50)) {
      const status =
        t.status === 'failed' || t.status === 'lost' ? red(t.status.padEnd(9)) : t.status.padEnd(9);
      const extra = t.detail ? dim(`  ${t.detail}`) : '';
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

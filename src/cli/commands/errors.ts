import { Command } from 'commander';
// the API's own files, not its index: this command loads only what errors need (--run loads run.ts)
import { describeShared, foldTaskNames, getSweepErrors, type ErrorsReport } from '../../api/sweep-errors.js';
import { openProject } from '../../api/project.js';
import { openSweep } from '../../api/sweep-open.js';
import { printJson, red, dim } from '../output.js';
import { plural } from '../../domain/plural.js';

// `hsm errors [SWEEP_ID] [--json] [--category C] [--rerun [--run]]`: the tasks that did not complete,
// grouped by cause, with the evidence, what they share, a hint and the command that runs them again.
export function registerErrors(program: Command): void {
  program
    .command('errors')
    .description('failed, lost and cancelled tasks grouped by cause, with hints (no id: the latest sweep)')
    .argument('[sweep_id]', 'sweep id, unique prefix, or sweep directory')
    .option('--json', 'the groups as JSON')
    .option(
      '--category <name>',
      'only failures of this category (oom, cuda_oom, timeout, missing_module, ...)',
    )
    .option('--rerun', 'print the command that runs the listed tasks again')
    .option('--run', 'with --rerun: run it now')
    .action(
      async (
        id: string | undefined,
        flags: { json?: boolean; category?: string; rerun?: boolean; run?: boolean },
      ) => {
        const project = openProject();
        const report = getSweepErrors(project, id, { category: flags.category });
        if (flags.run && !flags.rerun) flags.rerun = true;
        if (flags.rerun) {
          if (!flags.run) {
            process.stdout.write(`${report.failed === 0 ? '# nothing to run again\n' : report.rerun + '\n'}`);
            return;
          }
          if (report.failed === 0) {
            process.stderr.write(`sweep ${report.sweep_id}: no failed tasks to run again\n`);
            return;
          }
          process.stderr.write(`running: ${report.rerun}\n`);
          const { runToEnd } = await import('./run.js');
          const sweep = openSweep(project, report.sweep_dir);
          const tasks = flags.category === undefined ? undefined : report.groups.flatMap((g) => g.tasks);
          process.exitCode = await runToEnd(
            project,
            sweep,
            tasks === undefined ? { retryFailed: true } : { tasks: foldTaskNames(tasks) },
            true,
          );
          return;
        }
        if (flags.json) printJson(report);
        else process.stdout.write(renderErrorsText(report));
      },
    );
}

function renderErrorsText(r: ErrorsReport): string {
  const out: string[] = [];
  const kinds = Object.entries(r.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  if (r.failed === 0)
    return `sweep ${r.sweep_id}: no failed, lost or cancelled tasks (${plural(r.total, 'task')})\n`;
  out.push(
    `sweep ${r.sweep_id}: ${r.failed} of ${r.total} tasks did not complete (${kinds}), ${plural(r.groups.length, 'cause')}`,
  );
  for (const g of r.groups) {
    out.push('');
    const shared = describeShared(g);
    out.push(`${red(`${plural(g.count, 'task')}: ${g.title}`)}${shared ? `, ${shared}` : ''}`);
    out.push(`  ${g.evidence}`);
    const others = Object.entries(g.lines);
    for (const [task, line] of others.slice(0, 3)) out.push(dim(`  ${task}: ${line}`));
    if (others.length > 3)
      out.push(dim(`  ... ${others.length - 3} more tasks with other numbers or paths in that line`));
    out.push(`  hint: ${g.hint}`);
    const folded = foldTaskNames(g.tasks);
    out.push(`  tasks: ${folded.length > 300 ? `${folded.slice(0, 300)}...` : folded}`);
    if (folded.length <= 300)
      out.push(dim(`  run them again: hsm complete ${r.sweep_id} --tasks '${folded}'`));
  }
  out.push('');
  out.push(`run every one of them again: ${r.rerun}`);
  return out.join('\n') + '\n';
}

import { Command } from 'commander';
import { openProject, cancelSweep, cancelTasks } from '../../api/index.js';
import { plural } from '../../domain/plural.js';

export function registerCancel(program: Command): void {
  program
    .command('cancel')
    .description(
      'stop a running sweep (running tasks are terminated and recorded as cancelled), or only some of its tasks',
    )
    .argument('<sweep_id>', 'sweep id, unique prefix, or sweep directory')
    .option('--tasks <set>', "cancel just these tasks, e.g. 'task_[004-006]'; the rest of the sweep goes on")
    .option('--json', 'as JSON')
    .option('--ssh-config <file>', 'ssh client config file (ssh -F) for the sources of what a dead hsm left')
    .action(async (id: string, flags: { json?: boolean; tasks?: string; sshConfig?: string }) => {
      if (flags.tasks !== undefined) {
        const r = cancelTasks(openProject(), id, flags.tasks);
        if (flags.json) process.stdout.write(JSON.stringify(r) + '\n');
        else
          process.stderr.write(
            `asked hsm (pid ${r.running_pid}) to cancel ${plural(r.requested.length, 'task')} of sweep ${r.sweep_id}: ${r.requested.join(', ')}\n` +
              (r.skipped.length > 0 ? `  left alone (ended already): ${r.skipped.join(', ')}\n` : ''),
          );
        return;
      }
      const r = await cancelSweep(openProject(), id, undefined, flags.sshConfig);
      if (flags.json) process.stdout.write(JSON.stringify(r) + '\n');
      else if (r.signalled_pid !== null)
        process.stderr.write(`asked hsm (pid ${r.signalled_pid}) to cancel sweep ${r.sweep_id}\n`);
      else
        process.stderr.write(
          `sweep ${r.sweep_id}: no hsm process was running it; stopped what it left: ` +
            `${plural(r.killed_tasks.length, 'task')} cancelled${r.killed_tasks.length ? ` (${r.killed_tasks.join(', ')})` : ''}, ` +
            `${plural(r.withdrawn_tasks.length, 'queued task')} withdrawn (pending again)\n` +
            `  finish it with: hsm complete ${r.sweep_id}\n`,
        );
    });
}

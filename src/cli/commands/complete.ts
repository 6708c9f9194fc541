import { Command } from 'commander';
// the API's files one by one, as run.ts does (what a run needs, not every command's code)
import { openProject } from '../../api/project.js';
import { openSweep } from '../../api/sweep-open.js';
import { recordRemoteProjects } from '../../api/remote-projects.js';
import { runSourceNames, sourcesOutliveRun } from '../../api/run-sources.js';
import { selectTasks } from '../../api/task-selection.js';
import type { InterruptPolicy } from '../run-session.js';
import { checkRemoteProjects, detach, onInterruptOption, runToEnd, sourceNames } from './run.js';
import { durationText, nonNegativeInt, positiveInt } from '../option-parsers.js';
import { plural } from '../../domain/plural.js';

export function registerComplete(program: Command): void {
  program
    .command('complete')
    .description(
      'run what a sweep is missing (pending, lost and cancelled tasks; failed ones too with --retry-failed)',
    )
    .argument('<sweep_id>', 'sweep id, unique prefix, or sweep directory')
    .option('-s, --source <names>', 'compute sources from hsm_config.yaml (one or more, comma-separated)')
    .option('-j, --jobs <n>', 'tasks at once', positiveInt('--jobs'))
    .option('--retry-failed', 'also run tasks that failed (cancelled ones always run)')
    .option(
      '--tasks <set>',
      "run just these tasks, e.g. 'task_[004-026,031]' (what `hsm errors --rerun` prints)",
    )
    .option('--retries <n>', 'extra attempts for retryable failures', nonNegativeInt('--retries'))
    .option('--timeout <duration>', 'per-task time limit', durationText)
    .option('--dry-run', 'list what would run; run nothing')
    .option('--json', 'print the final status as JSON on stdout')
    .option('--ssh-config <file>', 'ssh client config file for ssh sources (ssh -F)')
    .option('--sync', 'push the project to remote sources that differ')
    .option(
      '--detach',
      'return at once and let the sweep go on (batch schedulers: once every task is submitted; other sources: in a background hsm)',
    )
    .addOption(onInterruptOption())
    .action(
      async (
        id: string,
        flags: {
          source?: string;
          jobs?: number;
          retryFailed?: boolean;
          tasks?: string;
          retries?: number;
          timeout?: string;
          dryRun?: boolean;
          json?: boolean;
          sshConfig?: string;
          sync?: boolean;
          detach?: boolean;
          onInterrupt?: InterruptPolicy;
        },
      ) => {
        const project = openProject();
        const sweep = openSweep(project, id, { readonly: Boolean(flags.dryRun) });
        if (flags.dryRun) {
          const wanted = new Set(['pending', 'lost', 'cancelled', ...(flags.retryFailed ? ['failed'] : [])]);
          const rows =
            flags.tasks !== undefined
              ? selectTasks(sweep, flags.tasks, []).map((name) => sweep.store.task(name)!)
              : sweep.store.tasks().filter((t) => wanted.has(t.status));
          const running = sweep.store.tasks().filter((t) => t.status === 'running' || t.status === 'queued');
          sweep.store.close();
          if (flags.json) {
            process.stdout.write(
              JSON.stringify(
                { sweep_id: sweep.id, to_run: rows.map((r) => r.name), to_adopt: running.map((r) => r.name) },
                null,
                2,
              ) + '\n',
            );
          } else {
            process.stdout.write(
              `sweep ${sweep.id}: ${plural(rows.length, 'task')} would run, ${running.length} would be adopted\n`,
            );
            for (const r of rows.slice(0, 20)) process.stdout.write(`  ${r.name} (${r.status})\n`);
            if (rows.length > 20) process.stdout.write(`  ... and ${rows.length - 20} more\n`);
          }
          return;
        }
        const names = runSourceNames(sweep, sourceNames(flags.source));
        try {
          recordRemoteProjects(sweep.paths.dir, await checkRemoteProjects(project, names, flags));
        } catch (err) {
          sweep.store.close();
          throw err;
        }
        if (flags.detach && !sourcesOutliveRun(project, names)) {
          sweep.store.close();
          detach(sweep.id, sweep.paths.dir, flags);
          return;
        }
        process.exitCode = await runToEnd(project, sweep, flags, true);
      },
    );
}

import { Command } from 'commander';
import { collectSweep, openProject, openSweep } from '../../api/index.js';
import { EXIT } from '../exit-codes.js';
import { plural } from '../../domain/plural.js';

/** At most 10 names, then how many more. */
function listed(names: readonly string[]): string {
  return names.length <= 10
    ? names.join(', ')
    : `${names.slice(0, 10).join(', ')} and ${names.length - 10} more`;
}

export function registerCollect(program: Command): void {
  program
    .command('collect')
    .description(
      'bring back the directories of finished tasks that ran on remote sources (rsync); with clean_remote, remove their copies there',
    )
    .argument('<sweep_id>', 'sweep id, unique prefix, or sweep directory')
    .option('--json', 'the report as JSON')
    .option('--ssh-config <file>', 'ssh client config file for ssh sources (ssh -F)')
    .action(async (id: string, flags: { json?: boolean; sshConfig?: string }) => {
      const project = openProject();
      const sweep = openSweep(project, id);
      try {
        const r = await collectSweep(project, sweep, {
          sshConfigFile: flags.sshConfig,
          onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
          clean: true,
        });
        if (flags.json) process.stdout.write(JSON.stringify(r) + '\n');
        else {
          process.stderr.write(
            `sweep ${r.sweep_id}: ${plural(r.collected.length, 'task')} collected${r.missing.length ? `, ${r.missing.length} not` : ''}\n`,
          );
          if (r.removed_remote.length > 0)
            process.stderr.write(
              `  removed the cluster's copies of ${plural(r.removed_remote.length, 'task')} (clean_remote: their records are here): ${listed(r.removed_remote)}\n`,
            );
          for (const where of r.removed_sweep_copies)
            process.stderr.write(`  removed the sweep's copy at ${where} (no task left in it)\n`);
          for (const e of r.errors) process.stderr.write(`  ${e}\n`);
        }
        process.exitCode = r.missing.length > 0 ? EXIT.infra : EXIT.ok;
      } finally {
        sweep.store.close();
      }
    });
}

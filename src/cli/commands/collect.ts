import { Command } from 'commander';
import { collectSweep, openProject, openSweep } from '../../api/index.js';
import { EXIT } from '../exit-codes.js';

export function registerCollect(program: Command): void {
  program
    .command('collect')
    .description('bring back the directories of finished tasks that ran on ssh sources (rsync)')
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
        });
        if (flags.json) process.stdout.write(JSON.stringify(r) + '\n');
        else {
          process.stderr.write(
            `sweep ${r.sweep_id}: ${r.collected.length} task(s) collected${r.missing.length ? `, ${r.missing.length} not` : ''}\n`,
          );
          for (const e of r.errors) process.stderr.write(`  ${e}\n`);
        }
        process.exitCode = r.missing.length > 0 ? EXIT.infra : EXIT.ok;
      } finally {
        sweep.store.close();
      }
    });
}

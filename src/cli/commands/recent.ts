import { Command } from 'commander';
import { openProject, listRecentSweeps } from '../../api/index.js';
import { describeCounts } from '../progress.js';
import { stdoutPaint } from '../output.js';
import { positiveInt } from '../option-parsers.js';
import { plural } from '../../domain/plural.js';

export function registerRecent(program: Command): void {
  program
    .command('recent')
    .description('the newest sweeps of this project')
    .option('-n, --limit <n>', 'how many', positiveInt('--limit'), 10)
    .option('--json', 'as JSON')
    .action((flags: { limit: number; json?: boolean }) => {
      const project = openProject();
      const sweeps = listRecentSweeps(project, flags.limit);
      if (flags.json) {
        process.stdout.write(JSON.stringify({ sweeps }, null, 2) + '\n');
        return;
      }
      if (sweeps.length === 0) {
        process.stdout.write(`no sweeps in ${project.outputDir}\n`);
        return;
      }
      for (const s of sweeps) {
        if (s.counts === null) {
          process.stdout.write(`${s.sweep_id}  unreadable: ${s.error ?? 'unknown reason'}\n`);
          continue;
        }
        process.stdout.write(
          `${s.sweep_id}  ${s.created_at}  ${plural(s.total ?? 0, 'task')}: ${describeCounts(s.counts, stdoutPaint)}${s.running ? '  (running)' : ''}\n`,
        );
      }
    });
}

import { Command } from 'commander';
import { openProject, writeSweepReport } from '../../api/index.js';
import { printJson } from '../output.js';

// `hsm report [SWEEP_ID] [--json]`: writes the sweep's HTML reports and performance figures under
// <sweep>/reports/ (self-contained files: they open offline and can be sent as they are).
export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'write HTML reports and performance figures under <sweep>/reports/ (no id: the latest sweep)',
    )
    .argument('[sweep_id]', 'sweep id, unique prefix, or sweep directory')
    .option('--out <dir>', 'write the files to this directory instead of <sweep>/reports/')
    .option('--json', 'the paths written, as JSON')
    .action((id: string | undefined, flags: { json?: boolean; out?: string }) => {
      const files = writeSweepReport(openProject(), id, { outDir: flags.out });
      if (flags.json) {
        printJson(files);
        return;
      }
      process.stdout.write(
        `reports of sweep ${files.sweep_id}:\n` +
          `  ${files.completion_report}\n  ${files.error_analysis}\n  ${files.performance_analysis}\n`,
      );
    });
}

import { Command } from 'commander';
import { displayPath, previewSweep, renderHydraValue } from '../../api/index.js';
import { quoteShellArgv } from '../../domain/shell-quote.js';
import { dim, printJson } from '../output.js';
import { splitSweepArgs } from './sweep-args.js';
import { positiveInt } from '../option-parsers.js';
import { printDiagnostics } from './validate.js';
import { plural } from '../../domain/plural.js';

const HUMAN_LIMIT = 20;

// `hsm show [SWEEP] [--json] [--limit N] [-- overrides...]`: the tasks a sweep file generates,
// with their params and the exact argv each would run. Runs nothing.
export function registerShow(program: Command): void {
  program
    .command('show')
    .description('the tasks a sweep file generates: count, params and the exact argv of each')
    .argument(
      '[args...]',
      'sweep file (default from hsm_config.yaml, else sweeps/sweep.yaml), then overrides key=v1,v2',
    )
    .option('--json', '{"total": N, "tasks": [{"name","key","params","argv"}]}')
    .option(
      '-n, --limit <n>',
      `show the first N tasks (default: all with --json, ${HUMAN_LIMIT} otherwise)`,
      positiveInt('--limit'),
    )
    .option('--all', 'show every task')
    .action((args: string[], flags: { json?: boolean; limit?: number; all?: boolean }) => {
      const { sweepFile, overrides } = splitSweepArgs(args);
      const limit = flags.limit ?? (flags.json || flags.all ? undefined : HUMAN_LIMIT);
      const preview = previewSweep({
        ...(sweepFile === undefined ? {} : { sweepFile }),
        overrides,
        ...(limit === undefined ? {} : { limit }),
      });
      printDiagnostics(preview.warnings, process.stderr);
      if (flags.json) {
        printJson({
          total: preview.total,
          tasks: preview.tasks.map((t) => ({ name: t.name, key: t.key, params: t.params, argv: t.argv })),
        });
        return;
      }
      const out = process.stdout;
      out.write(`${displayPath(preview.sweepFile)}: ${plural(preview.total, 'task')}\n`);
      for (const t of preview.tasks) {
        const params = Object.entries(t.params).map(([k, v]) => `${k}=${renderHydraValue(v)}`);
        out.write(`${t.name}  ${dim(t.key)}  ${params.join(' ')}\n`);
        out.write(`  $ ${quoteShellArgv(t.argv)}\n`);
      }
      if (preview.total > preview.tasks.length) {
        out.write(
          dim(`... and ${preview.total - preview.tasks.length} more (--limit N or --all to see them)\n`),
        );
      }
    });
}

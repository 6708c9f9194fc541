import { Command } from 'commander';
import { displayPath, formatDiagnostic, validateSweep, type Diagnostic } from '../../api/index.js';
import { EXIT } from '../exit-codes.js';
import { green, painterFor, printJson, red, dim } from '../output.js';
import { splitSweepArgs } from './sweep-args.js';
import { plural } from '../../domain/plural.js';

// `hsm validate [SWEEP] [-- overrides...] [--json]`: checks hsm_config.yaml and the sweep file
// (hsm_config.yaml alone when there is no sweep file); prints every error, warning and suggestion
// at file:line:col and the task count; exit 2 on errors.
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check hsm_config.yaml and a sweep file: errors (exit 2), warnings, suggestions, task count')
    .argument(
      '[args...]',
      'sweep file (default from hsm_config.yaml, else sweeps/sweep.yaml), then overrides key=v1,v2',
    )
    .option('--json', 'the findings as JSON')
    .action((args: string[], flags: { json?: boolean }) => {
      const { sweepFile, overrides } = splitSweepArgs(args);
      const report = validateSweep({ ...(sweepFile === undefined ? {} : { sweepFile }), overrides });
      const shown = displayPath(report.sweepFile);
      if (flags.json) {
        const pick = (severity: Diagnostic['severity']) =>
          report.diagnostics.filter((d) => d.severity === severity);
        printJson({
          valid: report.valid,
          sweep_file: report.sweepFile,
          sweep_file_found: report.sweepFileFound,
          config_file: report.configFile,
          total: report.total,
          errors: pick('error'),
          warnings: pick('warning'),
          suggestions: pick('suggestion'),
        });
      } else {
        printDiagnostics(report.diagnostics, process.stdout);
        const counts = countBySeverity(report.diagnostics);
        const config = report.configFile ? displayPath(report.configFile) : 'no hsm_config.yaml (defaults)';
        if (!report.sweepFileFound) {
          // hsm_config.yaml alone was checked: the summary names it
          process.stdout.write(`${report.valid ? green('ok') : red('invalid')}: ${config}${counts}\n`);
        } else if (report.valid) {
          process.stdout.write(
            `${green('ok')}: ${shown}: ${plural(report.total ?? 0, 'task')}${counts}; ${dim(config)}\n`,
          );
        } else {
          process.stdout.write(`${red('invalid')}: ${shown}${counts}; ${dim(config)}\n`);
        }
      }
      if (!report.valid) process.exitCode = EXIT.usage;
    });
}

// Diagnostics as compiler-style lines, the severity coloured on a terminal.
export function printDiagnostics(diagnostics: readonly Diagnostic[], stream: NodeJS.WriteStream): void {
  const paint = painterFor(stream);
  for (const d of diagnostics) {
    const colour = d.severity === 'error' ? paint.red : d.severity === 'warning' ? paint.yellow : paint.dim;
    stream.write(formatDiagnostic(d).replace(`${d.severity}:`, colour(`${d.severity}:`)) + '\n');
  }
}

function countBySeverity(diagnostics: readonly Diagnostic[]): string {
  const parts: string[] = [];
  for (const severity of ['error', 'warning', 'suggestion'] as const) {
    const n = diagnostics.filter((d) => d.severity === severity).length;
    if (n > 0) parts.push(plural(n, severity));
  }
  return parts.length ? ` (${parts.join(', ')})` : '';
}

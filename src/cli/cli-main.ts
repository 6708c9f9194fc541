// hsm's command line. Each command lives in its own file under commands/ and calls the API only;
// errors of every command are mapped to exit codes in one place (report-error.ts). Started by
// main.ts (the ESM bundle, dist/cli.js) or main-cjs.ts (the same in one CommonJS file, dist/cli.cjs,
// which bin/hsm.js compiles with a V8 code cache for `hsm run` and `hsm complete`).
import { Command, CommanderError } from 'commander';
import { VERSION } from '../api/version.js';
import { reportError } from './report-error.js';
import { registerCommands } from './commands/index.js';
import { handleClosedOutput } from './closed-output.js';

export async function main(): Promise<void> {
  handleClosedOutput();

  const program = new Command();
  program
    .name('hsm')
    .description(
      'HPC Sweep Manager: parameter sweeps on local, SSH, Slurm and PBS sources; one command on every node',
    )
    .version(VERSION)
    .option('-v, --verbose', 'debug logs and stack traces')
    .showSuggestionAfterError(true)
    // commander's own errors (an unknown option, a missing argument) look like hsm's other errors
    .configureOutput({ outputError: (text, write) => write(`hsm: ${text}`) })
    .exitOverride();

  await registerCommands(program, process.argv.slice(2));

  const HELP_SHOWN = helpShown();
  const verbose = process.argv.includes('-v') || process.argv.includes('--verbose');
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its message ("unknown option '--jsn' (Did you mean --json?)"):
      // the fix is in the command's help
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      if (err.exitCode !== 0 && !HELP_SHOWN.has(err.code))
        process.stderr.write(`  hint: ${usageHint(program, process.argv.slice(2), err.code)}\n`);
    } else {
      process.exitCode = reportError(err, verbose);
    }
  }
}

/** Commander errors after which the help itself was printed (no command given). */
function helpShown(): Set<string> {
  return new Set(['commander.help', 'commander.helpDisplayed', 'commander.version']);
}

// Where a usage error's fix is: the help of the (sub)command the words name, e.g. `hsm sync check`.
function usageHint(root: Command, argv: readonly string[], code: string): string {
  if (code === 'commander.unknownCommand') return '`hsm --help` lists the commands';
  const path = ['hsm'];
  let at = root;
  for (const word of argv) {
    if (word === '--') break;
    if (word.startsWith('-')) continue;
    const sub = at.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) break;
    path.push(sub.name());
    at = sub;
  }
  return path.length === 1
    ? '`hsm --help` lists the commands'
    : `\`${path.join(' ')} --help\` lists its arguments and options`;
}

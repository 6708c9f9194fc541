// hsm's command line. Each command lives in its own file under commands/ and calls the API only;
// errors of every command are mapped to exit codes in one place (report-error.ts).
import { Command, CommanderError } from 'commander';
import { VERSION } from '../api/version.js';
import { reportError } from './report-error.js';
import { registerCommands } from './commands/index.js';
import { handleClosedOutput } from './closed-output.js';

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
  .exitOverride();

await registerCommands(program, process.argv.slice(2));

const verbose = process.argv.includes('-v') || process.argv.includes('--verbose');
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // commander has already printed its message ("unknown option '--jsn' (Did you mean --json?)")
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    process.exitCode = reportError(err, verbose);
  }
}

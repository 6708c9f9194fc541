import { Command } from 'commander';
import { displayPath, initSweepProject } from '../../api/index.js';
import { green, dim } from '../output.js';

// `hsm init [--force]`: writes hsm_config.yaml and sweeps/sweep.yaml for the project it finds
// (git root, python on PATH or a virtualenv, a likely training script); never overwrites a file
// without --force; says what it wrote and what it found.
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write hsm_config.yaml and sweeps/sweep.yaml for this project')
    .option('-f, --force', 'overwrite existing files')
    .action((flags: { force?: boolean }) => {
      const result = initSweepProject({ force: flags.force ?? false });
      const f = result.facts;
      const out = process.stdout;
      for (const file of result.written) out.write(`${green('wrote')} ${displayPath(file)}\n`);
      for (const file of result.skipped)
        out.write(`${dim('kept')}  ${displayPath(file)} (exists; --force overwrites it)\n`);
      out.write(dim(`project root: ${f.projectRoot}${f.isGitRepo ? ' (git)' : ''}\n`));
      out.write(
        dim(
          `python: ${f.venv ? `${f.venv}/bin/python` : (f.pythonInterpreter ?? 'none found on PATH (python3 assumed)')}\n`,
        ),
      );
      out.write(
        dim(
          `training script: ${f.trainingScript ?? 'none found: set project.training_script or a `command:`'} (args: ${f.args})\n`,
        ),
      );
      out.write('next: edit the sweep file, then `hsm show` to see the tasks and `hsm run` to run them\n');
    });
}

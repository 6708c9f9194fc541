import { quoteShellArgv, quoteShellWord } from '../domain/shell-quote.js';

// Renders a task's command.sh: what the runner sources (in a subshell) to run one task, the same on
// every source. Every value is quoted by the one quoting function; the argv is exec'd, never parsed.
export interface CommandScriptInput {
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  /** `venv` path (bin/activate is sourced) or conda environment name. */
  venv?: string | null;
  condaEnv?: string | null;
}

export function renderCommandScript(input: CommandScriptInput): string {
  const lines = ['# hsm: the exact command of this task (sourced by runner/hsm-runner.sh)'];
  lines.push(`cd ${quoteShellWord(input.cwd)} || exit 126`);
  for (const [k, v] of Object.entries(input.env)) lines.push(`export ${k}=${quoteShellWord(v)}`);
  if (input.venv) lines.push(`. ${quoteShellWord(input.venv + '/bin/activate')} || exit 126`);
  if (input.condaEnv) {
    // conda's activate is a shell function: load it from the base install, then activate.
    lines.push('__hsm_conda_base=$(conda info --base) || exit 126');
    lines.push('. "$__hsm_conda_base/etc/profile.d/conda.sh" || exit 126');
    lines.push(`conda activate ${quoteShellWord(input.condaEnv)} || exit 126`);
  }
  lines.push(`exec ${quoteShellArgv(input.argv)}`);
  return lines.join('\n') + '\n';
}

import { quoteShellArgv, quoteShellWord } from '../domain/shell-quote.js';

// Renders a task's command.sh: what the runner sources (in a subshell) to run one task, the same on
// every source; each source says where the task runs (its task directory and project root there).
// Every value is quoted by the one quoting function; the argv is exec'd, never parsed.

/** How a source prepares a task's environment (hsm_config.yaml: project and source fields). */
export interface TaskEnvironment {
  /** Extra exported variables. */
  env?: Record<string, string>;
  /** `venv` path (bin/activate is sourced) or conda environment name. */
  venv?: string | null;
  condaEnv?: string | null;
  /** Environment modules loaded first (`module load NAME`). */
  modules?: readonly string[];
}

/** Where one task runs, as the task sees it. */
export interface TaskPlacement {
  sweepId: string;
  sweepDir: string;
  taskDir: string;
  projectRoot: string;
}

export interface CommandScriptInput extends TaskEnvironment {
  argv: readonly string[];
  cwd: string;
}

export function renderCommandScript(input: CommandScriptInput): string {
  const lines = ['# hsm: the exact command of this task (sourced by runner/hsm-runner.sh)'];
  lines.push(`cd ${quoteShellWord(input.cwd)} || exit 126`);
  for (const [k, v] of Object.entries(input.env ?? {})) lines.push(`export ${k}=${quoteShellWord(v)}`);
  lines.push(...environmentSetup(input));
  lines.push(`exec ${quoteShellArgv(input.argv)}`);
  return lines.join('\n') + '\n';
}

// What follows the exports: modules, then a venv or conda environment.
function environmentSetup(input: TaskEnvironment): string[] {
  const lines: string[] = [];
  for (const m of input.modules ?? []) lines.push(`module load ${quoteShellWord(m)} || exit 126`);
  if (input.venv) lines.push(`. ${quoteShellWord(input.venv + '/bin/activate')} || exit 126`);
  if (input.condaEnv) {
    // conda's activate is a shell function: load it from the base install, then activate.
    lines.push('__hsm_conda_base=$(conda info --base) || exit 126');
    lines.push('. "$__hsm_conda_base/etc/profile.d/conda.sh" || exit 126');
    lines.push(`conda activate ${quoteShellWord(input.condaEnv)} || exit 126`);
  }
  return lines;
}

const TASK_VARIABLES = ['HSM_SWEEP_ID', 'HSM_SWEEP_DIR', 'HSM_TASK_ID', 'HSM_TASK_KEY', 'HSM_TASK_DIR'];

/**
 * renderTaskScript for the many tasks of one source: what every task's script shares (the project
 * root, the environment, the sweep's variables) is quoted once, not once per task (a short task's
 * whole cost is a few hundred microseconds). The scripts are the same, byte for byte.
 */
export function taskScriptRenderer(
  place: Omit<TaskPlacement, 'taskDir'>,
  environment: TaskEnvironment,
): (task: { task: string; key: string; argv: readonly string[] }, taskDir: string) => string {
  // the user's own HSM_* names would change the order of the exports: the general path then
  if (Object.keys(environment.env ?? {}).some((k) => TASK_VARIABLES.includes(k)))
    return (task, taskDir) => renderTaskScript(task, { ...place, taskDir }, environment);
  const head = renderCommandScript({
    cwd: place.projectRoot,
    env: { ...environment.env, HSM_SWEEP_ID: place.sweepId, HSM_SWEEP_DIR: place.sweepDir },
    argv: [],
  });
  const shared = head.slice(0, head.lastIndexOf('exec '));
  const setup = environmentSetup(environment);
  const tail = setup.length > 0 ? setup.join('\n') + '\n' : '';
  return (task, taskDir) =>
    `${shared}export HSM_TASK_ID=${quoteShellWord(task.task)}\nexport HSM_TASK_KEY=${quoteShellWord(task.key)}\n` +
    `export HSM_TASK_DIR=${quoteShellWord(taskDir)}\n${tail}exec ${quoteShellArgv(task.argv)}\n`;
}

// The command.sh of one task at its place, with the HSM_* variables every task sees.
export function renderTaskScript(
  task: { task: string; key: string; argv: readonly string[] },
  place: TaskPlacement,
  environment: TaskEnvironment,
): string {
  return renderCommandScript({
    ...environment,
    argv: task.argv,
    cwd: place.projectRoot,
    env: {
      ...environment.env,
      HSM_SWEEP_ID: place.sweepId,
      HSM_SWEEP_DIR: place.sweepDir,
      HSM_TASK_ID: task.task,
      HSM_TASK_KEY: task.key,
      HSM_TASK_DIR: place.taskDir,
    },
  });
}

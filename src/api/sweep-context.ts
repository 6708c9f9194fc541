import type { SweepContext } from '../compute/source-context.js';
import type { SweepLogger } from '../engine/log-port.js';
import type { OpenSweep } from '../state/sweep-directory.js';
import type { ProjectContext } from './project.js';
import type { RunOptions } from './sweep-run.js';

// What the sources of this run are told about the sweep.
export function sweepContext(
  project: ProjectContext,
  sweep: OpenSweep,
  projectRoot: string,
  options: Pick<RunOptions, 'onLog' | 'sshConfigFile' | 'onWarning' | 'onProgress'> & {
    log?: SweepLogger;
  } = {},
): SweepContext {
  const first = sweep.store.firstTask();
  return {
    program: first?.argv[0] ?? null,
    sweepId: sweep.id,
    sweepDir: sweep.paths.dir,
    tasksDir: sweep.paths.tasksDir,
    projectRoot,
    environment: {
      venv: project.config.project.venv ?? null,
      condaEnv: project.config.project.conda_env ?? null,
    },
    state: (source) => ({
      get: (key) => sweep.store.getMeta(`source:${source}:${key}`),
      set: (key, value) => sweep.store.setMeta(`source:${source}:${key}`, value),
    }),
    ...(options.log ? { log: options.log } : {}),
    ...(options.onLog ? { onLog: options.onLog } : {}),
    ...(options.onWarning ? { warn: options.onWarning } : {}),
    ...(options.onProgress ? { progress: options.onProgress } : {}),
    ...(options.sshConfigFile ? { sshConfigFile: options.sshConfigFile } : {}),
  };
}

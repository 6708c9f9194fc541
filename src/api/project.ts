import { resolve, isAbsolute } from 'node:path';
import { loadProjectConfig } from '../config/index.js';
// Types from their own files, not the barrel: the package's declarations must not pull in the parsers.
import type { ProjectConfig } from '../config/project-config.js';

// Where a command stands: the project root, its config and where its sweeps live.
export interface ProjectContext {
  cwd: string;
  projectRoot: string;
  outputDir: string;
  config: ProjectConfig;
}

// Loads hsm_config.yaml (if any) for the project around `cwd`.
export function openProject(cwd: string = process.cwd()): ProjectContext {
  const config = loadProjectConfig(cwd);
  const projectRoot = config.projectRoot;
  const out = config.defaults.output_dir ?? 'sweeps/outputs';
  return { cwd, projectRoot, outputDir: isAbsolute(out) ? out : resolve(projectRoot, out), config };
}

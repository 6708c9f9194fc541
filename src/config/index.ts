// config/: hsm_config.yaml: where it is, what it says, and the command a sweep runs by default.
export type { ExecCommandConfig, ProjectConfig, SourceConfig, SourceType } from './project-config.js';
export {
  SOURCE_TYPES,
  DEFAULT_OUTPUT_DIR,
  DEFAULT_SWEEP_FILE,
  buildDefaultConfig,
} from './project-config.js';
export {
  loadProjectConfig,
  inspectProjectConfig,
  type ConfigInspection,
  findProjectConfigFile,
  findGitRoot,
  buildDefaultCommand,
  type LoadConfigOptions,
} from './load-project-config.js';
export { parseProjectConfigText } from './parse-project-config.js';
export {
  initProject,
  detectProject,
  renderInitConfig,
  renderInitSweep,
  type InitResult,
  type ProjectFacts,
} from './init-project.js';
export { readSshSource, defaultWorkdir, type SshSourceSpec } from './ssh-source.js';

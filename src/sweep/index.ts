// sweep/: sweep file schema and loading, parameter expansion (grid, paired, overrides), argv
// rendering and task keys. Pure except load-sweep.ts, which reads the file.
export type { Diagnostic, Severity } from './diagnostic.js';
export {
  formatDiagnostic,
  formatLocation,
  hasErrors,
  suggestNearest,
  describeUnknownKey,
  buildInvalidFileError,
} from './diagnostic.js';
export type { SweepDefinition } from './sweep-definition.js';
export { LARGE_SWEEP_TASKS } from './sweep-definition.js';
export { metricOfConfig, type SweepMetric } from './sweep-metric.js';
export type { SweepAxes, SweepBlock } from './axes.js';
export { listAxisKeys } from './axes.js';
export type { ArgsStyle } from './render-argv.js';
export { listPlaceholders } from './render-argv.js';
export { computeTaskKey } from './task-key.js';
export { countTasks, generateTasks, iterateTasks, formatTaskName } from './generate-tasks.js';
export { parseSweepText, type ParseSweepOptions, type ParseSweepResult } from './parse-sweep.js';
export {
  loadSweepDefinition,
  validateSweepFile,
  inspectSweepFile,
  displayPath,
  type LoadSweepOptions,
} from './load-sweep.js';
export { splitCommandWords } from './command-words.js';
export { renderHydraValue, formatPlainValue } from './hydra-value.js';
export { parseOverride } from './override-parser.js';
export { isValidParamName } from './param-name.js';

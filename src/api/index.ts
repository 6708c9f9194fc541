// The programmatic API (docs/api.md): cli/ and web/ call only this, and so do programs that import the
// package. One file per area under api/, re-exported here.
export * from './project.js';
export * from './sweep-plan.js';
export * from './sweep-run.js';
export * from './sweep-open.js';
export * from './sweep-collect.js';
export { storageFailureError } from './storage-failure-error.js';
export { runSourceNames, checkRunSources, sourcesOutliveRun } from './run-sources.js';
export * from './sweep-lifecycle.js';
export * from './sweep-definition.js';
export * from './sweep-status.js';
export * from './sweep-results.js';
export * from './task-logs.js';
export * from './sweep-errors.js';
export * from './sweep-report.js';
export * from './sweep-watch.js';
export * from './left-sweep-follow.js';
export * from './task-selection.js';
export { VERSION } from './version.js';
export * from './exec.js';
export * from './sync.js';
export * from './remote-projects.js';
export * from './session-projects.js';
export * from './remote-task-log.js';
export {
  submit,
  submitJobs,
  openJob,
  type JobSpec,
  type JobSubmission,
  type JobStatus,
  type JobHandle,
} from './job-api.js';
export * from './matrix-launch.js';
export * from './matrix-check.js';
export type { MatrixRecord, MatrixJobRecord } from '../state/matrix-record.js';
export { renderMatrixTable, summarizeVerdicts, type Verdict, type MatrixTableRow } from '../matrix/index.js';
export { HsmError, type ErrorCode } from '../domain/errors.js';
export type { TaskSpec, TaskStatus, TerminationReason } from '../domain/task.js';
export type { Params, ParamValue } from '../domain/params.js';
export type { TaskRow } from '../engine/ports.js';
export type { EngineResult } from '../engine/sweep-engine.js';
export * from './sweep-reader.js';
export * from './task-cancel.js';

// matrix/: matrix files (parse, expand into jobs), termination reasons read from a job's log, verdicts
// and the `hsm matrix check` table. Pure; api/ reads files and runs the jobs as sweeps.
export * from './matrix-definition.js';
export { parseMatrixText, type ParseMatrixResult } from './parse-matrix.js';
export {
  expandMatrixJobs,
  findDuplicateJobNames,
  withEnvironment,
  DEFAULT_EXPECTATION,
} from './expand-jobs.js';
export { readLogFindings, resolveTerminationReason, type LogFindings } from './reason-rules.js';
export { judgeJob, countVerdicts, VERDICTS, type Verdict, type JobOutcomeView } from './verdict.js';
export {
  renderMatrixTable,
  summarizeVerdicts,
  type MatrixTableRow,
  type VerdictPainter,
} from './matrix-table.js';

// diagnose/: pure, table-driven error analysis: failure signatures -> cause, termination reason and
// hint; grouping of failures across a sweep and their correlation with parameter values and hosts.
export {
  FAILURE_CATEGORIES,
  CATEGORY_INFO,
  type FailureCategory,
  type CategoryInfo,
} from './failure-category.js';
export { FAILURE_SIGNATURES, type FailureSignature } from './failure-signatures.js';
export { diagnoseFailure, type Diagnosis, type FailureEvidence } from './diagnose-failure.js';
export { normaliseLine, fingerprintLines } from './fingerprint.js';
export { splitStderrLines, findFinalExceptionLine } from './stderr-lines.js';
export {
  countValues,
  addTraits,
  correlateGroup,
  MOST_SHARE,
  type Correlation,
  type TaskTraits,
  type ValueCounts,
} from './correlate-values.js';
export { groupFailures, describeShared, type FailedTask, type FailureGroup } from './group-failures.js';

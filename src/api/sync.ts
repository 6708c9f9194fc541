// Project sync with ssh sources (`hsm sync`, and the check before every remote run).
export {
  checkProjectSync,
  pushProject,
  pullProject,
  ensureProjectSynced,
  recordSourceSync,
  readSourceSync,
  renderSyncReport,
  renderTransfer,
  summarizeDifferences,
  verdictText,
  type EnsureSyncedResult,
  type SourceSyncRecord,
} from '../sync/index.js';
export type * from '../sync/sync-types.js';

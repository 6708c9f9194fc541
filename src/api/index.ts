// The programmatic API: cli/ and web/ call only this. One file per area under api/, re-exported here.
export * from './project.js';
export * from './sweep-run.js';
export * from './sweep-definition.js';
export * from './sweep-status.js';
export * from './task-logs.js';
export { VERSION } from './version.js';
export * from './exec.js';
export * from './sync.js';

import type { Command } from 'commander';
import { registerRun } from './run.js';
import { registerComplete } from './complete.js';
import { registerStatus } from './status.js';
import { registerRecent } from './recent.js';
import { registerCancel } from './cancel.js';
import { registerLogs } from './logs.js';
import { registerValidate } from './validate.js';
import { registerShow } from './show.js';
import { registerInit } from './init.js';
import { registerExec } from './exec.js';
import { registerErrors } from './errors.js';
import { registerResults } from './results.js';
import { registerSync } from './sync.js';
import { registerCollect } from './collect.js';
import { registerMatrix } from './matrix.js';
import { registerReport } from './report.js';
import { registerServe } from './serve.js';

// Every command registers itself here; one line each.
export function registerCommands(program: Command): void {
  registerRun(program);
  registerComplete(program);
  registerStatus(program);
  registerRecent(program);
  registerCancel(program);
  registerLogs(program);
  registerValidate(program);
  registerShow(program);
  registerInit(program);
  registerExec(program);
  registerErrors(program);
  registerResults(program);
  registerSync(program);
  registerCollect(program);
  registerMatrix(program);
  registerReport(program);
  registerServe(program);
}

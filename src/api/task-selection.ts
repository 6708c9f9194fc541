import { HsmError } from '../domain/errors.js';
import { expandNodeSet } from '../remote/nodeset/index.js';
import type { OpenSweep } from '../state/sweep-directory.js';

// `hsm complete SWEEP --tasks 'task_[004-026,031]'`: the tasks named by a set expression (the node-set
// syntax of `hsm exec -w`, which is also how `hsm errors --rerun` prints them). Tasks that completed
// or are running are left alone, and said so.
export function selectTasks(sweep: OpenSweep, expression: string, notices: string[]): string[] {
  const names = expandNodeSet(expression);
  const selected: string[] = [];
  const skipped: string[] = [];
  for (const name of names) {
    const row = sweep.store.task(name);
    if (!row) {
      throw new HsmError('usage', `--tasks names "${name}", which is not a task of sweep ${sweep.id}`, {
        hint: `\`hsm status ${sweep.id} --all\` lists its tasks`,
      });
    }
    if (row.status === 'completed' || row.status === 'running' || row.status === 'queued')
      skipped.push(`${name} (${row.status})`);
    else selected.push(name);
  }
  if (skipped.length > 0) {
    const shown = skipped.slice(0, 10).join(', ');
    notices.push(`not run again: ${shown}${skipped.length > 10 ? ` and ${skipped.length - 10} more` : ''}`);
  }
  return selected;
}

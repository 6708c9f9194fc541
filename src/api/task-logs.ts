import { existsSync } from 'node:fs';
import { HsmError } from '../domain/errors.js';
import type { ProjectContext } from './project.js';
import { openSweep } from './sweep-open.js';

// Where a task's latest output is, and whether it may still grow (for `hsm logs -f`).
export function locateTaskLog(
  project: ProjectContext,
  idOrPrefix: string,
  task: string,
  stream: 'stdout' | 'stderr',
): { path: string; sweepDir: string; isFinal: () => boolean } {
  const sweep = openSweep(project, idOrPrefix, { readonly: true });
  const name = /^\d+$/.test(task)
    ? resolveTaskNumber(
        sweep.store.tasks().map((t) => t.name),
        Number(task),
      )
    : task;
  const row = sweep.store.task(name);
  if (!row) {
    sweep.store.close();
    throw new HsmError('not_found', `no task "${task}" in sweep ${sweep.id}`, {
      hint: `\`hsm status ${sweep.id}\` lists its tasks`,
    });
  }
  const path = sweep.paths.taskFile(name, stream === 'stdout' ? 'stdout.log' : 'stderr.log');
  const isFinal = () => {
    const t = sweep.store.task(name);
    return t === null || !['pending', 'queued', 'running'].includes(t.status);
  };
  if (!existsSync(path) && isFinal()) {
    sweep.store.close();
    throw new HsmError(
      'not_found',
      `task ${name} of sweep ${sweep.id} has no ${stream} log yet (status ${row.status})`,
    );
  }
  return { path, sweepDir: sweep.paths.dir, isFinal };
}

function resolveTaskNumber(names: string[], n: number): string {
  return names.find((x) => Number(x.replace(/^task_/, '')) === n) ?? `task_${n}`;
}

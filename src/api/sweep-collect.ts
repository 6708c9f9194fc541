import { LocalTaskWorkspace } from '../state/task-workspace.js';
import type { OpenSweep } from '../state/sweep-directory.js';
import { liveLockOwner } from '../state/sweep-lock.js';
import { buildSource } from '../compute/source-registry.js';
import { syncsOverSsh } from '../config/ssh-source.js';
import type { ProjectContext } from './project.js';
import { sweepContext } from './sweep-context.js';
import { sourceConfig } from './run-sources.js';
import { openSweep } from './sweep-open.js';

export interface CollectReport {
  sweep_id: string;
  /** Tasks whose directories came back now. */
  collected: string[];
  /** Finished remote tasks whose directories could not be brought back (see errors). */
  missing: string[];
  errors: string[];
}

// `hsm collect`: the directories of finished tasks that ran on remote sources and are not here yet
// (the run that started them ended before collecting, or it was killed) come back from each source;
// from a batch source with a remote workdir, those of its queued and running tasks too (the next
// `hsm status` takes in the records they bring).
export async function collectSweep(
  project: ProjectContext,
  sweep: OpenSweep,
  options: {
    sshConfigFile?: string;
    onWarning?: (message: string) => void;
    /** Only the queued and running tasks of batch sources with a remote workdir (`hsm status`). */
    leftOnly?: boolean;
  } = {},
): Promise<CollectReport> {
  const context = sweepContext(project, sweep, sweep.metadata.project_root ?? project.projectRoot, options);
  const workspace = new LocalTaskWorkspace(sweep.paths);
  const bySource = new Map<
    string,
    { task: string; attempt: number; localDir: string; host: string | null }[]
  >();
  for (const row of sweep.store.tasksWithStatus(['completed', 'failed', 'cancelled', 'queued', 'running'])) {
    if (!row.source || row.attempts === 0) continue;
    const config = project.config.sources[row.source];
    // a batch source with a copy of the sweep directory on the cluster: its jobs may have ended
    // while no hsm followed them (`--detach`), and their records are there only
    const host = ['ssh', 'ssm'].includes(config?.type ?? '');
    if (!host && !(config && syncsOverSsh(config))) continue;
    if (host && (row.status === 'queued' || row.status === 'running')) continue;
    if (options.leftOnly && (host || (row.status !== 'queued' && row.status !== 'running'))) continue;
    if (workspace.readExit(row.name, row.attempts)) continue; // already here
    const list = bySource.get(row.source) ?? [];
    list.push({
      task: row.name,
      attempt: row.attempts,
      localDir: sweep.paths.taskDir(row.name),
      host: row.host,
    });
    bySource.set(row.source, list);
  }
  const report: CollectReport = { sweep_id: sweep.id, collected: [], missing: [], errors: [] };
  for (const [name, items] of bySource) {
    const source = buildSource(
      { name, config: sourceConfig(project, name), slots: 0, project: project.config },
      context,
    );
    try {
      const r = await source.collect!(items);
      report.collected.push(...r.collected);
      report.missing.push(...r.missing);
      if (r.error) report.errors.push(r.error);
      else if (r.missing.length > 0)
        report.errors.push(`source ${name}: ${r.missing.length} task(s) have no exit record on the host`);
    } finally {
      await source.close();
    }
  }
  return report;
}

/** Before `hsm status` shows a sweep that no hsm process follows: the records its jobs wrote into the
 * cluster's copy of the sweep directory (batch sources with `host:` and `workdir:`, left queued or
 * running by `--detach` or an interrupted run) come back, as `hsm collect` brings them, so that the
 * catch-up that follows (catchUpLeftSweep) sees them. Null when there is nothing to pull. */
export async function pullLeftSweep(
  project: ProjectContext,
  idOrPrefix: string | undefined,
  options: { sshConfigFile?: string } = {},
): Promise<CollectReport | null> {
  const sweep = openSweep(project, idOrPrefix, { readonly: true });
  try {
    if (liveLockOwner(sweep.paths.lock) !== null) return null; // the hsm running it pulls them
    const left = sweep.store.counts();
    if (left.queued + left.running === 0) return null;
    if (!Object.values(project.config.sources).some(syncsOverSsh)) return null;
    return await collectSweep(project, sweep, { ...options, leftOnly: true });
  } finally {
    sweep.store.close();
  }
}

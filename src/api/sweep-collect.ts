import { LocalTaskWorkspace } from '../state/task-workspace.js';
import type { OpenSweep } from '../state/sweep-directory.js';
import { liveLockOwner } from '../state/sweep-lock.js';
import { buildSource } from '../compute/source-registry.js';
import { syncsOverSsh } from '../config/ssh-source.js';
import type { ProjectContext } from './project.js';
import { sweepContext } from './sweep-context.js';
import { sourceConfig } from './run-sources.js';
import { openSweep } from './sweep-open.js';
import { catchUpLeftSweep } from './sweep-status.js';
import { plural } from '../domain/plural.js';

export interface CollectReport {
  sweep_id: string;
  /** Tasks whose directories came back now. */
  collected: string[];
  /** Finished remote tasks whose directories could not be brought back (see errors). */
  missing: string[];
  errors: string[];
  /** With a source's `clean_remote` (`hsm collect`): tasks whose copies on the cluster were removed,
   * their records being here. */
  removed_remote: string[];
  /** The sweep directory's copies on clusters that went, none of its task directories being left. */
  removed_sweep_copies: string[];
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
    /** `hsm collect`: then the copies on the cluster of the tasks whose records are back here go,
     * on sources with `clean_remote` (what a run that did not see those tasks end left there). */
    clean?: boolean;
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
  const report: CollectReport = {
    sweep_id: sweep.id,
    collected: [],
    missing: [],
    errors: [],
    removed_remote: [],
    removed_sweep_copies: [],
  };
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
        report.errors.push(
          `source ${name}: ${plural(r.missing.length, 'task')} ${r.missing.length === 1 ? 'has' : 'have'} no exit record on the host`,
        );
    } finally {
      await source.close();
    }
  }
  if (options.clean) await removeCollectedCopies(project, sweep, context, workspace, report);
  return report;
}

// `clean_remote` for what no run saw end (a `--detach`ed sweep, an interrupted run): the records
// just brought back are taken into the store first (as `hsm status` does), then the cluster's copy
// of every task that ended and whose exit record is here goes, and the sweep's copy with the last.
async function removeCollectedCopies(
  project: ProjectContext,
  sweep: OpenSweep,
  context: ReturnType<typeof sweepContext>,
  workspace: LocalTaskWorkspace,
  report: CollectReport,
): Promise<void> {
  const cleaned = Object.entries(project.config.sources).filter(
    ([, config]) => config.clean_remote === true && syncsOverSsh(config),
  );
  if (cleaned.length === 0) return;
  catchUpLeftSweep(project, sweep.paths.dir);
  const ended = sweep.store.tasksWithStatus(['completed', 'failed', 'cancelled', 'lost']);
  for (const [name] of cleaned) {
    const tasks = ended
      .filter((row) => row.source === name && row.attempts > 0 && workspace.readExit(row.name, row.attempts))
      .map((row) => row.name);
    if (tasks.length === 0) continue;
    const source = buildSource(
      { name, config: sourceConfig(project, name), slots: 0, project: project.config },
      context,
    );
    try {
      const r = await source.removeCollected?.(tasks);
      if (!r) continue;
      report.removed_remote.push(...r.removed);
      if (r.copyRemoved && r.where) report.removed_sweep_copies.push(r.where);
      if (r.error) report.errors.push(`source ${name}: ${r.error}`);
    } finally {
      await source.close();
    }
  }
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

import { HsmError } from '../domain/errors.js';
import { syncsOverSsh } from '../config/ssh-source.js';
import { ensureProjectSynced, recordSourceSync } from '../sync/index.js';
import type { SyncReport } from '../sync/sync-types.js';
import type { ProjectContext } from './project.js';

// Before tasks run on ssh sources (and slurm/pbs sources with `host:` and `workdir:`): the project on
// each host must be the local one (sync/). They are checked at once; a host whose copy differs stops
// the run before anything runs there (exit 2, saying what differs), or with `sync` gets the project
// pushed. An ssh host that cannot be reached is left to the source, which takes no tasks while it
// is down (the other sources go on); a login node that cannot be reached, or a copy that cannot be
// checked or pushed, stops the run before anything is submitted (exit 3).

export interface RemoteProjectCheck {
  source: string;
  report: SyncReport;
  pushed: boolean;
}

export async function verifyRemoteProjects(
  project: ProjectContext,
  sources: readonly string[],
  options: { sync?: boolean; sshConfigFile?: string; onWarning?: (message: string) => void },
): Promise<RemoteProjectCheck[]> {
  const remote = sources.filter((name) => {
    const config = project.config.sources[name];
    return config !== undefined && (config.type === 'ssh' || syncsOverSsh(config));
  });
  const sessions = sources.filter((name) => project.config.sources[name]?.type === 'ssm');
  if (options.sync && remote.length === 0 && sessions.length === 0) {
    // accepted and ignored would be a lie: the local source runs tasks in the project itself
    throw new HsmError(
      'usage',
      '--sync pushes the project to remote sources, and this run has none: the local source runs tasks in the project itself',
      { hint: 'drop --sync, or name an ssh source with --source' },
    );
  }
  const results = await Promise.allSettled(
    remote.map((name) =>
      ensureProjectSynced(project.config, name, {
        push: options.sync === true,
        ...(options.sshConfigFile ? { sshConfigFile: options.sshConfigFile } : {}),
      }),
    ),
  );
  const checks: RemoteProjectCheck[] = [];
  for (const [i, r] of results.entries()) {
    const source = remote[i]!;
    if (r.status === 'fulfilled') {
      checks.push({ source, report: r.value.report, pushed: r.value.transfer !== null });
      continue;
    }
    const err = r.reason as unknown;
    // a batch source's jobs run from its copy as soon as they are submitted: it must be verified
    // now (an ssh source checks its host again when it reaches it)
    const batch = project.config.sources[source]?.type !== 'ssh';
    if (err instanceof HsmError && err.code === 'infra' && !batch) {
      options.onWarning?.(`source ${source}: ${err.message}${err.hint ? ` ${err.hint}` : ''}`);
      continue;
    }
    throw err;
  }
  return checks;
}

/** The sweep keeps, per source, the commit that ran there and the sync verdict (source_sync.yaml). */
export function recordRemoteProjects(sweepDir: string, checks: readonly RemoteProjectCheck[]): void {
  for (const c of checks) recordSourceSync(sweepDir, c.report, c.pushed);
}

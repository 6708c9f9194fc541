import type { ProjectConfig } from '../config/project-config.js';
import { HsmError } from '../domain/errors.js';
import { compareSite } from './check.js';
import { summarizeDifferences, verdictText } from './format-report.js';
import { openSyncSite, describeSite, type SyncSite } from './sync-site.js';
import { pullSite, pushSite } from './transfer.js';
import type { SyncOptions, SyncReport, SyncTransfer, TransferOptions } from './sync-types.js';

// Project sync between the local project and the workdir of an ssh source (docs/sync.md).
// check / push / pull for `hsm sync`, and ensureProjectSynced for the ssh compute source before
// every remote run (`hsm run --sync` pushes). Each call opens its own connection through the
// shared ControlMaster (ssh-argv.ts), which stays up for the commands that follow.

export type * from './sync-types.js';
export { renderSyncReport, renderTransfer, summarizeDifferences, verdictText } from './format-report.js';
export { recordSourceSync, readSourceSync, type SourceSyncRecord } from './sync-record.js';

async function withSite<T>(
  config: ProjectConfig,
  source: string,
  options: SyncOptions,
  fn: (site: SyncSite) => Promise<T>,
): Promise<T> {
  const site = openSyncSite(config, source, options);
  try {
    return await fn(site);
  } finally {
    await site.transport.close();
  }
}

/** How the project on `source` compares with the local one. Throws HsmError (infra) when the host cannot be asked. */
export function checkProjectSync(
  config: ProjectConfig,
  source: string,
  options: SyncOptions = {},
): Promise<SyncReport> {
  return withSite(config, source, options, async (site) => (await compareSite(site, options)).report);
}

/** Makes the host's copy equal to the local project (refuses to overwrite remote changes unless `force`). */
export function pushProject(
  config: ProjectConfig,
  source: string,
  options: TransferOptions = {},
): Promise<SyncTransfer> {
  return withSite(config, source, options, (site) => pushSite(site, options));
}

/** Makes the local project equal to the host's copy (refuses to overwrite local changes unless `force`). */
export function pullProject(
  config: ProjectConfig,
  source: string,
  options: TransferOptions = {},
): Promise<SyncTransfer> {
  return withSite(config, source, options, (site) => pullSite(site, options));
}

export interface EnsureSyncedResult {
  /** The comparison made first. */
  report: SyncReport;
  /** Set when the project was pushed (`push: true` and the local project was newer). */
  transfer: SyncTransfer | null;
}

/**
 * Before a remote run: the host's copy must equal the local project. In sync: returns. Local newer
 * and `push`: pushes, then returns. Otherwise throws an HsmError (usage, exit 2) saying what
 * differs and what to do (`hsm run --sync`, `hsm sync pull`, ...); nothing is changed.
 */
export function ensureProjectSynced(
  config: ProjectConfig,
  source: string,
  options: TransferOptions & { push: boolean },
): Promise<EnsureSyncedResult> {
  return withSite(config, source, options, async (site) => {
    const cmp = await compareSite(site, options);
    const report = cmp.report;
    if (report.verdict === 'in_sync') return { report, transfer: null };
    if (report.verdict === 'local_newer' && options.push) {
      const transfer = await pushSite(site, { ...options, dryRun: false, force: false }, cmp);
      return { report, transfer };
    }
    const fix =
      report.verdict === 'local_newer'
        ? `Push it with \`hsm run --sync\` (or \`hsm sync push ${source}\`).`
        : report.verdict === 'remote_newer'
          ? `The host has changes the local project lacks: bring them here with \`hsm sync pull ${source}\`, or overwrite them with \`hsm sync push ${source} --force\`.`
          : `Both sides changed: look with \`hsm sync check ${source}\`, then \`hsm sync pull ${source}\` or \`hsm sync push ${source} --force\`.`;
    throw new HsmError(
      'usage',
      `The project on ${describeSite(site)} (${report.workdir}) is not the local one: ${verdictText(report)}.`,
      { evidence: summarizeDifferences(report), hint: fix, details: { sync: report } },
    );
  });
}

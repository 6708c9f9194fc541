import { relative } from 'node:path';
import { HsmError } from '../domain/errors.js';
import { readSsmSource } from '../config/ssm-source.js';
import { defaultShellCommand, resolveSessionNodes } from '../compute/ssm/session-nodes.js';
import { classifySessionFailure } from '../compute/ssm/session-failure.js';
import { createShellTransport } from '../remote/shell/index.js';
import { pushThroughSession, sessionShellOf } from '../remote/session-sync/index.js';
import type { SessionSyncProgress, SessionSyncResult } from '../remote/session-sync/index.js';
import type { ProjectContext } from './project.js';
import { setupHash } from '../compute/remote-host/setup-hash.js';
import { quoteShellWord } from '../domain/shell-quote.js';
import { plural } from '../domain/plural.js';

// Before tasks run on session (`type: ssm`) sources: the project's copy on every node must be the
// local one. Each node is compared through its session (the session sync, remote/session-sync): with
// `sync` the differences are pushed (only changed files travel), without it a node whose copy
// differs stops the run before the sweep exists, saying what differs. A node that cannot be
// reached is left to the source (it takes no tasks while it is down; the others go on).

export interface SessionProjectCheck {
  source: string;
  node: string;
  /** What was pushed (or, dry run, would be). */
  result: SessionSyncResult;
  pushed: boolean;
  /** Dry run: whether the source's setup would run on the node (null: the source has none). */
  setupWouldRun?: boolean | null;
  /** The source's setup commands and its workdir as written. */
  setup?: string[];
  workdir?: string;
}

export interface SessionProjectOptions {
  /** Push what differs (`--sync`). */
  sync?: boolean;
  /** Only list what would move (`--dry-run`). */
  dryRun?: boolean;
  onProgress?: (line: string) => void;
  onWarning?: (message: string) => void;
}

export async function verifySessionProjects(
  project: ProjectContext,
  sources: readonly string[],
  options: SessionProjectOptions,
): Promise<SessionProjectCheck[]> {
  const names = sources.filter((name) => project.config.sources[name]?.type === 'ssm');
  const checks: SessionProjectCheck[] = [];
  for (const name of names) checks.push(...(await verifySource(project, name, options)));
  const differ = checks.filter((c) => !c.pushed && c.result.items.length > 0);
  if (differ.length > 0 && !options.sync && !options.dryRun) {
    const first = differ[0]!;
    throw new HsmError(
      'usage',
      `The project on ${differ.map((c) => c.node).join(', ')} (source ${first.source}) differs from the local one: ${describeItems(first.result)}.`,
      {
        hint: 'Run with --sync to push the differences (only changed files travel), or --dry-run to list them.',
      },
    );
  }
  return checks;
}

async function verifySource(
  project: ProjectContext,
  name: string,
  options: SessionProjectOptions,
): Promise<SessionProjectCheck[]> {
  const spec = readSsmSource(project.config, name);
  const nodes = await resolveSessionNodes(spec);
  const transport = createShellTransport({
    shellCommand: spec.shellCommand ?? defaultShellCommand(spec),
    sessionRateLimit: spec.sessionRate,
    connectTimeoutMs: 60_000,
  });
  const out = relative(project.projectRoot, project.outputDir);
  const push = !options.dryRun && options.sync === true;
  const setup =
    typeof spec.raw.setup === 'string'
      ? [spec.raw.setup]
      : Array.isArray(spec.raw.setup)
        ? spec.raw.setup.map(String)
        : [];
  try {
    const results = await Promise.allSettled(
      nodes.map((node) => {
        let last = 0;
        return withSessionRetry(node.name, options, () =>
          pushThroughSession(sessionShellOf(transport, node), {
            localRoot: project.projectRoot,
            remoteRoot: spec.workdir,
            excludes: Array.isArray(spec.raw.sync_exclude) ? spec.raw.sync_exclude.map(String) : [],
            protectedDirs: out && !out.startsWith('..') ? [out] : [],
            dryRun: !push,
            ...(spec.s3Staging
              ? { s3Staging: { url: spec.s3Staging, region: spec.region, profile: spec.profile } }
              : {}),
            ...(options.onWarning ? { onWarning: options.onWarning } : {}),
            onProgress: (p) => {
              if (!push || p.phase !== 'send' || Date.now() - last < 1000) return;
              last = Date.now();
              options.onProgress?.(`${node.name}: pushing ${progressText(p)}`);
            },
          }),
        );
      }),
    );
    const checks: SessionProjectCheck[] = [];
    results.forEach((r, i) => {
      const node = nodes[i]!.name;
      if (r.status === 'rejected') {
        const e = r.reason as unknown;
        if (!(e instanceof HsmError) || e.code !== 'infra') throw e;
        options.onWarning?.(`source ${name}, node ${node}: ${e.message}${e.hint ? ` ${e.hint}` : ''}`);
        return;
      }
      checks.push({
        source: name,
        node,
        result: r.value,
        pushed: push && r.value.items.length > 0,
        setup,
        workdir: spec.workdirDisplay,
      });
      if (push && r.value.items.length > 0)
        options.onProgress?.(
          `pushed the project to ${node} (source ${name}): ${describeItems(r.value)} in ${(r.value.duration_ms / 1000).toFixed(1)} s${r.value.chunks_staged > 0 ? ` (through ${spec.s3Staging})` : ''}`,
        );
    });
    if (options.dryRun && setup.length > 0) {
      // the setup's marker (setup.<hash>.done) says whether it would run again
      const marker = `.hsm/setup.${setupHash(setup, project.projectRoot)}.done`;
      await Promise.all(
        checks.map(async (c) => {
          const node = nodes.find((n) => n.name === c.node)!;
          const r = await transport.run(
            node,
            `sh -c ${quoteShellWord(`cd 2>/dev/null; cd ${quoteShellWord(spec.workdir)} 2>/dev/null && [ -e ${marker} ] && echo HSMSETUPDONE; exit 0`)}`,
            { timeoutMs: 60_000 },
          );
          c.setupWouldRun = r.error ? null : !r.stdout.includes('HSMSETUPDONE');
        }),
      );
    }
    return checks;
  } finally {
    await transport.close();
  }
}

const RETRY_DELAYS_MS = [1000, 2000, 4000];

// A session that fails for a transient reason (throttling, no answer in time) is tried again after
// 1, 2, 4 s (a push is resumable: what arrived is kept); any other failure gets the hint for its
// cause (IAM permission, agent offline, instance stopped).
async function withSessionRetry<T>(
  node: string,
  options: SessionProjectOptions,
  run: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof HsmError) || err.code !== 'infra') throw err;
      const failure = classifySessionFailure(err.message, node);
      if (failure.transient && attempt < RETRY_DELAYS_MS.length) {
        const delay = RETRY_DELAYS_MS[attempt]!;
        options.onProgress?.(
          `${node}: session start failed (${err.message.split('\n')[0]!.slice(0, 300)}); trying again in ${delay / 1000} s`,
        );
        await new Promise((r) => setTimeout(r, delay));
        continue;
      }
      if (failure.known === false) throw err;
      throw new HsmError('infra', err.message, { hint: failure.hint });
    }
  }
}

function describeItems(r: SessionSyncResult): string {
  const send = r.items.filter((i) => i.action === 'send').length;
  const del = r.items.filter((i) => i.action === 'delete').length;
  const chmod = r.items.filter((i) => i.action === 'chmod').length;
  const parts = [`${plural(send, 'file')} to send (${mb(r.bytes)})`];
  if (del) parts.push(`${del} to delete`);
  if (chmod) parts.push(plural(chmod, 'mode change'));
  const names = r.items.slice(0, 5).map((i) => i.path);
  return `${parts.join(', ')}: ${names.join(', ')}${r.items.length > 5 ? ', ...' : ''}`;
}

function progressText(p: SessionSyncProgress): string {
  return `${p.files_done}/${p.files_total} files, ${mb(p.bytes_done)} of ${mb(p.bytes_total)}`;
}

function mb(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

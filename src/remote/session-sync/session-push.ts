import { createHash } from 'node:crypto';
import { HsmError } from '../../domain/errors.js';
import { ChunkSender } from './chunk-sender.js';
import { lineOf } from './data-lines.js';
import { readLocalManifest } from './local-manifest.js';
import { planPush, serializeShas, type ManifestEntry, type PushPlan } from './manifest.js';
import { buildPackStream, chunkRanges, type ExtraFile } from './pack-stream.js';
import { pathArg } from './remote-helper.js';
import { nodePath, readNodeSide } from './remote-state.js';
import { runHelper, type SessionShell } from './session-shell.js';
import { readStreamRange } from './stream-reader.js';
import type { SessionPushOptions, SessionSyncItem, SessionSyncResult } from './types.js';

// push: the node's copy made equal to the local project through one interactive session.
// 1. both sides read at once (local: rsync's filter rules + sha256; node: one helper command);
// 2. the plan (manifest.ts), after asking the node to hash the few files it cannot vouch for;
// 3. the files to write travel as one tar stream in chunks (gzip, base64, typed to the node in
//    acknowledged blocks), each kept on the node only when its sha256 matches; chunks already
//    there (an interrupted push) are skipped;
// 4. one command removes, changes modes, extracts and records the push.

export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
/** The record of the push, whole or appended (manifest.ts: serializeShas). */
const RECORD = '.hsm/session-sync/shas.new';
const RECORD_ADD = '.hsm/session-sync/shas.add';

export async function pushThroughSession(
  shell: SessionShell,
  options: SessionPushOptions,
): Promise<SessionSyncResult> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 120_000;
  const call = { timeoutMs, ...(options.signal ? { signal: options.signal } : {}) };
  const root = nodePath(options.remoteRoot);
  const protectedDirs = (options.protectedDirs ?? []).map((d) => d.replace(/^\/+|\/+$/g, '')).filter(Boolean);
  const progress = (
    phase: 'scan' | 'send' | 'apply' | 'done',
    files: [number, number],
    bytes: [number, number],
  ) =>
    options.onProgress?.({
      direction: 'push',
      phase,
      files_done: files[0],
      files_total: files[1],
      bytes_done: bytes[0],
      bytes_total: bytes[1],
    });
  progress('scan', [0, 0], [0, 0]);
  const [local, side] = await Promise.all([
    readLocalManifest(
      options.localRoot,
      {
        protectedPaths: ['/.hsm/', ...protectedDirs.map((d) => `/${d}/`)],
        excludes: options.excludes ?? [],
        withoutGit: options.includeGit !== true,
      },
      options.signal,
    ),
    readNodeSide(shell, root, protectedDirs, call),
  ]);
  let plan = planPush(local, side.state);
  if (plan.needHash.length > 0) {
    const { out } = await runHelper(shell, ['hash', root, ...plan.needHash.map(pathArg)], {
      ...call,
      what: 'hashing files',
    });
    const shas = out.lines.filter((l) => l.key === 'H').map((l) => l.rest);
    plan = planPush(local, side.state, new Map(plan.needHash.map((p, i) => [p, shas[i] ?? '-'])));
  }
  const items = itemsOf(plan);
  const files = plan.send.filter((e) => e.type !== 'dir');
  const bytes = files.reduce((n, e) => n + e.size, 0);
  const result: SessionSyncResult = {
    direction: 'push',
    dry_run: options.dryRun === true,
    items,
    bytes,
    wire_bytes: 0,
    chunks_sent: 0,
    chunks_reused: 0,
    unchanged: plan.unchanged,
    duration_ms: 0,
  };
  const delta = recordDelta(local, side.state.shas);
  const recordUpToDate = delta.changed.length === 0 && delta.removed.length === 0;
  if (options.dryRun || (items.length === 0 && recordUpToDate)) {
    progress('done', [0, 0], [0, 0]);
    return { ...result, duration_ms: Date.now() - started };
  }
  // The stream: the entries to write, then the record of this push.
  const stream = buildPackStream(plan.send, [recordOf(local, side.state.shas)]);
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const chunks: string[] = [];
  progress('send', [0, files.length], [0, bytes]);
  const sender = new ChunkSender(shell, root, side.gzip, call, (end) =>
    progress('send', [filesBefore(stream, files, end), files.length], [contentBefore(stream, end), bytes]),
  );
  for (const [start, end] of chunkRanges(stream.length, chunkBytes)) {
    const raw = await readStreamRange(options.localRoot, stream, start, end);
    const sha = createHash('sha256').update(raw).digest('hex');
    chunks.push(sha);
    if (side.state.chunks.has(sha)) result.chunks_reused++;
    else await sender.add(raw, sha, end);
  }
  // What the node does once every chunk is there; with the last batch when there is one.
  const applyArgs = ['rm:', ...plan.remove.map(pathArg), 'rmdir:', ...plan.rmdir.map(pathArg), 'chmod:'];
  for (const c of plan.chmod) applyArgs.push(c.mode.toString(8), pathArg(c.path));
  applyArgs.push('chunks:', ...chunks, 'prune:', ...protectedDirs.map((d) => pathArg(d)));
  const appliedWithData = await sender.flush(applyArgs);
  result.wire_bytes = sender.wire;
  result.chunks_sent = sender.sent;
  progress('apply', [files.length, files.length], [bytes, bytes]);
  if (!appliedWithData) {
    const { result: applied, out } = await runHelper(shell, ['apply', root, ...applyArgs], {
      ...call,
      what: 'writing the files',
    });
    if (applied.exitCode !== 0 || !out.lines.some((l) => l.key === 'APPLIED')) {
      throw new HsmError(
        'infra',
        `${shell.node} could not write the pushed files into ${root}: ${lineOf(out, 'FAIL') ?? `exit ${applied.exitCode}`}.`,
        {
          evidence: applied.stdout.trim().split('\n').slice(-5).join('\n'),
          hint: 'Check the disk space and permissions there; push again (chunks that arrived are kept until a push is applied).',
        },
      );
    }
  }
  progress('done', [files.length, files.length], [bytes, bytes]);
  return { ...result, duration_ms: Date.now() - started };
}

// What changed against the node's record of earlier pushes.
function recordDelta(local: readonly ManifestEntry[], recorded: ReadonlyMap<string, string>) {
  const changed = local.filter((e) => recorded.get(e.path) !== (e.type === 'file' ? e.sha : '-'));
  const localPaths = new Set(local.map((e) => e.path));
  const removed = [...recorded.keys()].filter((p) => !localPaths.has(p));
  return { changed, removed };
}

// A whole record when there is none yet or the change is large; else only what changed.
function recordOf(local: readonly ManifestEntry[], recorded: ReadonlyMap<string, string>): ExtraFile {
  const { changed, removed } = recordDelta(local, recorded);
  if (recorded.size === 0 || changed.length + removed.length > local.length / 4) {
    return { path: RECORD, data: serializeShas(local) };
  }
  return { path: RECORD_ADD, data: serializeShas(changed, removed) };
}

function itemsOf(plan: PushPlan): SessionSyncItem[] {
  const items: SessionSyncItem[] = [
    ...plan.send.map((e) => ({
      path: e.path,
      action: 'send' as const,
      bytes: e.type === 'file' ? e.size : 0,
    })),
    ...plan.chmod.map((c) => ({ path: c.path, action: 'chmod' as const, bytes: 0 })),
    ...[...plan.remove.filter((p) => !plan.send.some((e) => e.path === p)), ...plan.rmdir].map((p) => ({
      path: p,
      action: 'delete' as const,
      bytes: 0,
    })),
  ];
  return items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

// Progress within the stream: content bytes and files wholly before `offset`.
function contentBefore(stream: ReturnType<typeof buildPackStream>, offset: number): number {
  let at = 0;
  let n = 0;
  for (const s of stream.segments) {
    const len = s.kind === 'bytes' ? s.data.length : s.size;
    if (s.kind === 'file') n += Math.max(0, Math.min(len, offset - at));
    at += len;
    if (at >= offset) break;
  }
  return n;
}

function filesBefore(
  stream: ReturnType<typeof buildPackStream>,
  files: readonly unknown[],
  offset: number,
): number {
  let at = 0;
  let n = 0;
  for (const s of stream.segments) {
    const len = s.kind === 'bytes' ? s.data.length : s.size;
    at += len;
    if (s.kind === 'file' && at <= offset) n++;
    if (at >= offset) break;
  }
  return Math.min(n, files.length);
}

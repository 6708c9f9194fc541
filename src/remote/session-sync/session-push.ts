import { createHash } from 'node:crypto';
import { HsmError } from '../../domain/errors.js';
import { ChunkSender, WINDOW } from './chunk-sender.js';
import { lineOf, type HelperOutput } from './data-lines.js';
import { readLocalManifest } from './local-manifest.js';
import { mergeShas, planPush, serializeListing, serializeShas, type ManifestEntry } from './manifest.js';
import { modelAfter } from './node-model.js';
import { buildPackStream, chunkRanges, type ExtraFile, type PackStream } from './pack-stream.js';
import { OpenPush } from './open-push.js';
import { pathArg, prunePattern } from './remote-helper.js';
import { NodeStateCache, type NodeRecord } from './node-state-cache.js';
import { cachedNodeSide, nodePath, nodeSideOf, readNodeSide, type NodeSide } from './remote-state.js';
import { DEFAULT_STAGING_MIN_BYTES, S3Stage, STAGING_CHUNK_BYTES } from './s3-staging.js';
import { runHelper, type SessionShell } from './session-shell.js';
import { readStreamRange } from './stream-reader.js';
import {
  callOptionsOf,
  hashOnNode,
  itemsOf,
  progressOf,
  resultOf,
  type CallOptions,
} from './transfer-report.js';
import type { SessionPushOptions, SessionSyncResult } from './types.js';

// push: the node's copy made equal to the local project through one interactive session.
// 1. both sides read (local: rsync's filter rules + sha256; node: one helper command), or, when
//    this machine holds what its last push left on the node (node-state-cache.ts) and the push is
//    small, the local side only: the plan is made against that, and the node's apply checks that
//    its copy is still that before writing (`expect:`; else it answers its state, as `state`
//    would, and the push is planned again): one round trip for an incremental push;
// 2. the plan (manifest.ts), after asking the node to hash the few files it cannot vouch for;
// 3. the files to write travel as one tar stream in chunks (gzip, base64, typed to the node in
//    acknowledged blocks; with s3Staging, a large push's through S3: s3-staging.ts), each kept on
//    the node only when its sha256 matches; chunks already there (an interrupted push) are skipped;
// 4. one command removes, changes modes, extracts and records the push.

export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
/** A push sent before the node's side is read: at most this much stream (typed in vain if stale). */
const SPECULATIVE_MAX_BYTES = 256 * 1024;
/** The record of the pushes (manifest.ts: serializeShas): whole, and what changed since it was. */
const RECORD = '.hsm/session-sync/shas';
const RECORD_ADD = '.hsm/session-sync/shas.add';

interface Push {
  shell: SessionShell;
  options: SessionPushOptions;
  call: CallOptions;
  root: string;
  protectedDirs: string[];
  cache: NodeStateCache;
  started: number;
  /** Bytes typed by a speculative attempt that came back stale (counted in wire_bytes). */
  typedBefore: number;
}

export async function pushThroughSession(
  shell: SessionShell,
  options: SessionPushOptions,
): Promise<SessionSyncResult> {
  const root = nodePath(options.remoteRoot);
  const protectedDirs = (options.protectedDirs ?? []).map((d) => d.replace(/^\/+|\/+$/g, '')).filter(Boolean);
  const cache = NodeStateCache.of(options.localRoot, shell.node, root);
  const push: Push = {
    shell,
    options,
    call: callOptionsOf(options),
    root,
    protectedDirs,
    cache,
    started: Date.now(),
    typedBefore: 0,
  };
  const cached = cache.get();
  progressOf('push', options)('scan', [0, 0], [0, 0]);
  const readLocal = () =>
    readLocalManifest(
      options.localRoot,
      {
        protectedPaths: ['/.hsm/', ...protectedDirs.map((d) => `/${d}/`)],
        excludes: options.excludes ?? [],
        withoutGit: options.includeGit !== true,
      },
      options.signal,
    );
  const readNode = () => readNodeSide(shell, root, protectedDirs, push.call, cached);
  let local: ManifestEntry[];
  let side: NodeSide;
  if (cached && !options.dryRun) {
    // the command goes first, so that the node's side of it runs while the local scan does
    const open = cached.lines
      ? OpenPush.start(
          shell,
          root,
          NodeStateCache.known(cached),
          protectedDirs.map(prunePattern),
          cached.gzip,
          push.call,
          WINDOW,
        )
      : null;
    try {
      // (the command is typed once the transport's queue has run: then the scan, synchronous)
      if (open) await new Promise((resolve) => setImmediate(resolve));
      local = await readLocal();
      const first = await transfer(push, local, cachedNodeSide(cached), open);
      if ('result' in first) return first.result;
      side = first.stale ?? (await readNode());
    } finally {
      await open?.quit();
    }
  } else [local, side] = await Promise.all([readLocal(), readNode()]);
  if (side.current && side.record !== cached) cache.save(side.record);
  const done = await transfer(push, local, side, undefined);
  if (!('result' in done)) throw new Error('a push planned on what the node answered came back stale');
  return done.result;
}

// Plans against `side` and carries the plan out. Speculative (`open` given, maybe null: `side` is
// what the last push left): gives up before sending anything when the plan needs the node's own
// answer (hashes, nothing to send, a large stream), with that answer when a command is open on
// the node (`open`: it answers as `state`), and returns what the node answered when its copy is
// not that any more.
async function transfer(
  push: Push,
  local: readonly ManifestEntry[],
  side: NodeSide,
  open: OpenPush | null | undefined,
): Promise<{ result: SessionSyncResult } | { stale?: NodeSide }> {
  const { shell, options, call, root, protectedDirs, cache } = push;
  const speculative = open !== undefined;
  const giveUp = async () =>
    open ? { stale: nodeSideOf(shell, root, await open.state(), side.record) } : {};
  const progress = progressOf('push', options);
  let plan = planPush(local, side.state);
  if (plan.needHash.length > 0) {
    if (speculative) return giveUp();
    plan = planPush(local, side.state, await hashOnNode(shell, root, plan.needHash, call));
  }
  const items = itemsOf({ ...plan, remove: [...plan.remove, ...plan.rmdir] });
  const files = plan.send.filter((e) => e.type !== 'dir');
  const bytes = files.reduce((n, e) => n + e.size, 0);
  const result = resultOf('push', options, items, bytes, plan.unchanged);
  const finish = () => ({ result: { ...result, duration_ms: Date.now() - push.started } });
  const delta = recordDelta(local, side.state.shas);
  if (options.dryRun || (items.length === 0 && delta.changed.length === 0 && delta.removed.length === 0)) {
    // nothing to send: only the node's `state` says whether its copy is still what was pushed
    if (speculative) return giveUp();
    progress('done', [0, 0], [0, 0]);
    return finish();
  }
  // The stream: the entries to write, then the record of this push.
  const record = recordOf(local, side, delta);
  const stream = buildPackStream(plan.send, record.files);
  const staging =
    options.s3Staging && stream.length >= (options.s3Staging.minBytes ?? DEFAULT_STAGING_MIN_BYTES)
      ? new S3Stage(options.s3Staging, shell.node)
      : null;
  if (speculative && (staging || stream.length > SPECULATIVE_MAX_BYTES)) return giveUp();
  const chunkBytes = options.chunkBytes ?? (staging ? STAGING_CHUNK_BYTES : DEFAULT_CHUNK_BYTES);
  const chunks: string[] = [];
  progress('send', [0, files.length], [0, bytes]);
  const arrived = (end: number) => {
    const at = streamProgress(stream, end);
    progress('send', [Math.min(at.files, files.length), files.length], [at.bytes, bytes]);
  };
  const sender = new ChunkSender(shell, root, side.gzip, call, arrived);
  const staged: string[] = [];
  try {
    for (const [start, end] of chunkRanges(stream.length, chunkBytes)) {
      const raw = await readStreamRange(options.localRoot, stream, start, end);
      const sha = createHash('sha256').update(raw).digest('hex');
      chunks.push(sha);
      if (side.state.chunks.has(sha)) result.chunks_reused++;
      else if (staging) {
        await staging.upload(raw, sha);
        staged.push(sha);
        arrived(end);
      } else await sender.add(raw, sha, end);
    }
    if (staging) await staging.fetchOnNode(shell, root, staged, call);
  } finally {
    const left = await staging?.cleanup();
    if (left) options.onWarning?.(`${shell.node}: the push's staged objects stay in S3: ${left}.`);
  }
  result.chunks_staged = staged.length;
  // What the node does once every chunk is there; with the last batch when there is one.
  const applyArgs = ['rm:', ...plan.remove.map(pathArg), 'rmdir:', ...plan.rmdir.map(pathArg), 'chmod:'];
  for (const c of plan.chmod) applyArgs.push(c.mode.toString(8), pathArg(c.path));
  const token = NodeStateCache.newToken();
  applyArgs.push('chunks:', ...chunks, 'prune:', ...protectedDirs.map((d) => pathArg(d)), 'token:', token);
  if (speculative) applyArgs.push('expect:', side.record.token);
  const applying = sender.flush(applyArgs, side.record.lines, open);
  applying.catch(() => undefined); // awaited below
  // While the node works: the copy there once this push is applied (derived from the plan: the
  // node does not list it again) and its record: the one sent, or the earlier one with this
  // push's appended to it. (After the data was handed to the terminal: setImmediate.)
  // Written beside the cache, made the cache once the node says it applied the push.
  await new Promise((resolve) => setImmediate(resolve));
  const after: NodeRecord = {
    token,
    model: serializeListing(modelAfter(side.state.entries, plan).values()),
    shas: record.shas,
    added: record.added,
    gzip: side.gzip,
    lines: side.record.lines,
  };
  const prepared = cache.prepare(after);
  let applied: HelperOutput;
  try {
    applied = (await applying) ?? (await applyOnNode(shell, root, applyArgs, call));
  } catch (err) {
    cache.discard();
    throw err;
  }
  result.wire_bytes = push.typedBefore + sender.wire;
  result.chunks_sent = sender.sent + staged.length;
  if (applied.lines.some((l) => l.key === 'STALE')) {
    cache.discard();
    push.typedBefore = result.wire_bytes;
    return { stale: nodeSideOf(shell, root, applied, null) };
  }
  progress('apply', [files.length, files.length], [bytes, bytes]);
  // (the session's shell said again whether it reads a line at a time)
  const lines = applied.lines.some((l) => l.key === 'LINES');
  if (lines === after.lines) prepared();
  else cache.save({ ...after, lines });
  progress('done', [files.length, files.length], [bytes, bytes]);
  return finish();
}

// The apply on its own (the last batch did not carry it): written, or HSM-STALE.
async function applyOnNode(
  shell: SessionShell,
  root: string,
  applyArgs: readonly string[],
  call: CallOptions,
): Promise<HelperOutput> {
  const { result: r, out } = await runHelper(shell, ['apply', root, ...applyArgs], {
    ...call,
    what: 'writing the files',
  });
  if (r.exitCode === 0 && out.lines.some((l) => l.key === 'APPLIED' || l.key === 'STALE')) return out;
  throw new HsmError(
    'infra',
    `${shell.node} could not write the pushed files into ${root}: ${lineOf(out, 'FAIL') ?? `exit ${r.exitCode}`}.`,
    {
      evidence: r.stdout.trim().split('\n').slice(-5).join('\n'),
      hint: 'Check the disk space and permissions there; push again (chunks that arrived are kept until a push is applied).',
    },
  );
}

// What changed against the node's record of earlier pushes.
function recordDelta(local: readonly ManifestEntry[], recorded: ReadonlyMap<string, string>) {
  const changed = local.filter((e) => recorded.get(e.path) !== (e.type === 'file' ? e.sha : '-'));
  const localPaths = new Set(local.map((e) => e.path));
  const removed = [...recorded.keys()].filter((p) => !localPaths.has(p));
  return { changed, removed };
}

// The record this push leaves, as files of its stream, and as the node will have it: what changed
// since the whole record was written (written whole: tar writes it, nothing is appended on the
// node); the whole record when there is none yet or what changed since is large.
function recordOf(
  local: readonly ManifestEntry[],
  side: NodeSide,
  { changed, removed }: ReturnType<typeof recordDelta>,
): { files: ExtraFile[]; shas: Buffer; added: Buffer } {
  const added = mergeShas(side.record.added, changed, removed);
  if (side.state.shas.size > 0 && added.entries <= local.length / 4) {
    return { files: [{ path: RECORD_ADD, data: added.data }], shas: side.record.shas, added: added.data };
  }
  const whole = serializeShas(local);
  const none = Buffer.alloc(0);
  return {
    files: [
      { path: RECORD, data: whole },
      { path: RECORD_ADD, data: none },
    ],
    shas: whole,
    added: none,
  };
}

// Progress within the stream: files wholly before `offset`, and their content bytes before it.
function streamProgress(stream: PackStream, offset: number): { files: number; bytes: number } {
  let at = 0;
  let files = 0;
  let bytes = 0;
  for (const s of stream.segments) {
    const len = s.kind === 'bytes' ? s.data.length : s.size;
    if (s.kind === 'file') {
      bytes += Math.max(0, Math.min(len, offset - at));
      if (at + len <= offset) files++;
    }
    at += len;
    if (at >= offset) break;
  }
  return { files, bytes };
}

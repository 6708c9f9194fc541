import { HsmError } from '../../domain/errors.js';
import { lineOf, type HelperOutput } from './data-lines.js';
import { parseListing, parsePaths, parseShas, type RemoteState } from './manifest.js';
import { NodeStateCache, type NodeRecord } from './node-state-cache.js';
import { prunePattern } from './remote-helper.js';
import { runHelper, type SessionShell } from './session-shell.js';

// One command reads what the node has: the listing, the record of the last push and what changed
// since it ended (not sent when the caller holds the model of the copy that push left and the copy
// is untouched since: node-state-cache.ts), the chunks already received, and which tools are
// missing.

export interface NodeSide {
  /** The directory exists on the node. */
  exists: boolean;
  /** gzip is there (data is compressed both ways). */
  gzip: boolean;
  state: RemoteState;
  /** The last push's token and record as read, with the listing as the model (or, HSM-SAME, as cached). */
  record: NodeRecord;
  /** The copy is as that push left it (nothing changed since): `record` may be kept as its model. */
  current: boolean;
}

const NEEDED = ['find', 'tar', 'head'];

/** `~/x` -> `x`: the helper takes relative paths from the home directory (an SSM shell may start elsewhere). */
export function nodePath(path: string): string {
  const p = path.replace(/^~\/+/, '');
  if (p === '' || p === '~')
    throw new HsmError(
      'usage',
      `The directory on the node must not be the home directory itself (${path}).`,
      {
        hint: 'Give a directory of its own, e.g. ~/hsm/myproject.',
      },
    );
  return p;
}

export async function readNodeSide(
  shell: SessionShell,
  root: string,
  pruned: readonly string[],
  options: { timeoutMs: number; signal?: AbortSignal },
  cached: NodeRecord | null = null,
): Promise<NodeSide> {
  const known = NodeStateCache.known(cached);
  const { out } = await runHelper(shell, ['state', root, known, ...pruned.map(prunePattern)], {
    ...options,
    what: `reading ${root}`,
  });
  return nodeSideOf(shell, root, out, cached);
}

/** The node's side from a `state` answer (or an apply's `HSM-STALE` answer, the same lines). */
export function nodeSideOf(
  shell: SessionShell,
  root: string,
  out: HelperOutput,
  cached: NodeRecord | null,
): NodeSide {
  const missing = out.lines.filter((l) => l.key === 'MISSING').map((l) => l.rest);
  const fatal = missing.filter((t) => NEEDED.includes(t) || t === 'base64' || t === 'sha256sum');
  if (fatal.length > 0) {
    throw new HsmError(
      'infra',
      `${shell.node} lacks ${fatal.join(', ')}, needed to sync through a session.`,
      {
        hint: `Install ${fatal.join(' and ')} on the node (coreutils, findutils, tar).`,
      },
    );
  }
  const rootLine = lineOf(out, 'ROOT') ?? '';
  const gzip = rootLine.endsWith('gz');
  const empty: RemoteState = { entries: new Map(), changed: null, shas: new Map(), chunks: new Set() };
  const lines = out.lines.some((l) => l.key === 'LINES');
  const none: NodeRecord = {
    token: '-',
    model: Buffer.alloc(0),
    shas: Buffer.alloc(0),
    added: Buffer.alloc(0),
    gzip,
    lines,
  };
  if (rootLine.startsWith('none')) return { exists: false, gzip, state: empty, record: none, current: false };
  if (!rootLine.startsWith('ok')) {
    const what = rootLine.startsWith('notdir') ? 'is not a directory' : 'cannot be entered';
    throw new HsmError('usage', `${root} on ${shell.node} ${what}.`, {
      hint: 'Choose another directory, or fix it on the node.',
    });
  }
  const chunks = new Set(
    (out.sections.get('chunks') ?? Buffer.alloc(0))
      .toString('latin1')
      .split('\n')
      .filter((c) => /^[0-9a-f]{64}$/.test(c)),
  );
  if (cached !== null && out.lines.some((l) => l.key === 'SAME')) {
    const side = cachedNodeSide(cached);
    side.state.chunks = chunks;
    return side;
  }
  const section = (name: string) => out.sections.get(name) ?? Buffer.alloc(0);
  const changedData = out.sections.get('changed');
  const changed = changedData === undefined ? null : parsePaths(changedData);
  const record = {
    token: lineOf(out, 'TOKEN') ?? '-',
    model: section('listing'),
    shas: section('shas'),
    added: section('added'),
    gzip,
    lines,
  };
  return {
    exists: true,
    gzip,
    state: { entries: parseListing(record.model), changed, shas: recordOf(record), chunks },
    record,
    current: changed !== null && changed.size === 0 && NodeStateCache.known(record) !== '-',
  };
}

/**
 * The node's side as the last push left it (what `state` gives on HSM-SAME), for a push sent
 * speculatively: its apply checks that the copy is still that (`expect:`) before writing.
 */
export function cachedNodeSide(cached: NodeRecord): NodeSide {
  return {
    exists: true,
    gzip: cached.gzip,
    state: {
      entries: parseListing(cached.model),
      changed: new Set(),
      shas: recordOf(cached),
      chunks: new Set(),
    },
    record: cached,
    current: true,
  };
}

/** The record of what the pushes wrote: the whole one, with what changed since laid over it. */
function recordOf(r: NodeRecord): Map<string, string> {
  return parseShas(r.added.length === 0 ? r.shas : Buffer.concat([r.shas, r.added]));
}

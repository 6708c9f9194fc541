import { cmp } from './manifest.js';
import { pathArg } from './remote-helper.js';
import { runHelper, type SessionShell } from './session-shell.js';
import type { SessionSyncItem, SessionSyncOptions, SessionSyncProgress, SessionSyncResult } from './types.js';

// What a push and a pull share: the options of each command through the session, the node's
// hashes of files it cannot vouch for, the list of what moved, the result and the progress.

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export function callOptionsOf(options: SessionSyncOptions): CallOptions {
  return { timeoutMs: options.timeoutMs ?? 120_000, ...(options.signal ? { signal: options.signal } : {}) };
}

/** The node's sha256 of each path (relative to `dir`); `-` for one it cannot read. */
export async function hashOnNode(
  shell: SessionShell,
  dir: string,
  paths: readonly string[],
  call: CallOptions,
): Promise<Map<string, string>> {
  const { out } = await runHelper(shell, ['hash', dir, ...paths.map(pathArg)], {
    ...call,
    what: 'hashing files',
  });
  const shas = out.lines.filter((l) => l.key === 'H').map((l) => l.rest);
  return new Map(paths.map((p, i) => [p, shas[i] ?? '-']));
}

/** What a plan moves, in path order: a removed path that is also sent is listed as sent only. */
export function itemsOf(plan: {
  send: readonly { path: string; type: string; size?: number }[];
  chmod: readonly { path: string }[];
  remove: readonly string[];
}): SessionSyncItem[] {
  const sent = new Set(plan.send.map((e) => e.path));
  const items: SessionSyncItem[] = [
    ...plan.send.map((e) => ({
      path: e.path,
      action: 'send' as const,
      bytes: e.type === 'file' ? (e.size ?? 0) : 0,
    })),
    ...plan.chmod.map((c) => ({ path: c.path, action: 'chmod' as const, bytes: 0 })),
    ...plan.remove.filter((p) => !sent.has(p)).map((p) => ({ path: p, action: 'delete' as const, bytes: 0 })),
  ];
  return items.sort((a, b) => cmp(a.path, b.path));
}

/** The result before anything moved. */
export function resultOf(
  direction: 'push' | 'pull',
  options: SessionSyncOptions,
  items: SessionSyncItem[],
  bytes: number,
  unchanged: number,
): SessionSyncResult {
  return {
    direction,
    dry_run: options.dryRun === true,
    items,
    bytes,
    wire_bytes: 0,
    chunks_sent: 0,
    chunks_reused: 0,
    chunks_staged: 0,
    unchanged,
    duration_ms: 0,
  };
}

/** Reports progress as `(phase, [files done, total], [bytes done, total])`. */
export function progressOf(direction: 'push' | 'pull', options: SessionSyncOptions) {
  return (phase: SessionSyncProgress['phase'], files: [number, number], bytes: [number, number]) =>
    options.onProgress?.({
      direction,
      phase,
      files_done: files[0],
      files_total: files[1],
      bytes_done: bytes[0],
      bytes_total: bytes[1],
    });
}

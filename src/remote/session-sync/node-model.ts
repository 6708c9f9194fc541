import type { ManifestEntry, PushPlan, RemoteEntry } from './manifest.js';

// The node's copy after a push, derived here from what it was and the plan the node carried out,
// so the node need not list its copy again and send the listing back: removals (`rm -rf`: the
// entry and all below it), directories removed when empty, modes changed, and the entries sent,
// as tar writes them (type, mode, size, link target: what a plan compares). Entries the node made
// itself stay. Pure.
//
// It is only used while the node says its copy is untouched since that push ended (its token, and
// no entry changed since: the helper's `changed`), so a model that was wrong in some detail costs
// nothing but a push planned on the node's own listing.

export function modelAfter(
  before: ReadonlyMap<string, RemoteEntry>,
  plan: Pick<PushPlan, 'send' | 'chmod' | 'remove' | 'rmdir'>,
): Map<string, RemoteEntry> {
  const after = new Map(before);
  const below = (dir: string) => {
    const prefix = dir + '/';
    return [...after.keys()].filter((p) => p.startsWith(prefix));
  };
  for (const p of plan.remove) {
    after.delete(p);
    for (const q of below(p)) after.delete(q);
  }
  for (const p of plan.rmdir) if (below(p).length === 0) after.delete(p);
  for (const c of plan.chmod) {
    const e = after.get(c.path);
    if (e) after.set(c.path, { ...e, mode: c.mode });
  }
  for (const e of plan.send) after.set(e.path, entryOf(e));
  return after;
}

function entryOf(e: ManifestEntry): RemoteEntry {
  return {
    path: e.path,
    type: e.type,
    mode: e.mode & 0o7777,
    size: e.type === 'file' ? e.size : 0,
    mtimeText: '-',
    target: e.type === 'symlink' ? (e.target ?? '') : '',
  };
}

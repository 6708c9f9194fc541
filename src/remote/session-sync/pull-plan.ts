import { cmp, type ManifestEntry, type RemoteEntry } from './manifest.js';

// What a pull must do to make a local directory hold the node's: pure, like planPush.

export interface PullPlan {
  /** Entries to fetch (files, symlinks, directories missing here), in path order. */
  fetch: RemoteEntry[];
  /** Local paths removed first: in the way of an entry of another type, or (with `delete`) absent there. */
  remove: string[];
  chmod: { path: string; mode: number }[];
  /** Files of the same size on both sides whose content must be compared (the node hashes them). */
  needHash: string[];
  unchanged: number;
}

export function planPull(
  remote: ReadonlyMap<string, RemoteEntry>,
  local: readonly ManifestEntry[],
  options: { delete: boolean; hashed?: ReadonlyMap<string, string> },
): PullPlan {
  const plan: PullPlan = { fetch: [], remove: [], chmod: [], needHash: [], unchanged: 0 };
  const byPath = new Map(local.map((e) => [e.path, e]));
  for (const r of [...remote.values()].sort((a, b) => cmp(a.path, b.path))) {
    if (r.type === 'other') continue;
    const l = byPath.get(r.path);
    if (l && l.type !== r.type) {
      plan.remove.push(r.path);
      plan.fetch.push(r);
      continue;
    }
    if (!l) {
      plan.fetch.push(r);
      continue;
    }
    if (r.type === 'symlink') {
      if (l.target === r.target) plan.unchanged++;
      else {
        plan.remove.push(r.path);
        plan.fetch.push(r);
      }
      continue;
    }
    if (r.type === 'file') {
      if (l.size !== r.size) {
        plan.fetch.push(r);
        continue;
      }
      const sha = options.hashed?.get(r.path);
      if (sha === undefined) {
        plan.needHash.push(r.path);
        continue;
      }
      if (sha !== l.sha) {
        plan.fetch.push(r);
        continue;
      }
    }
    if ((l.mode & 0o7777) !== (r.mode & 0o7777)) plan.chmod.push({ path: r.path, mode: r.mode & 0o7777 });
    else plan.unchanged++;
  }
  if (options.delete) {
    const gone: string[] = [];
    for (const l of [...local].sort((a, b) => cmp(a.path, b.path))) {
      if (remote.has(l.path) || [...plan.remove, ...gone].some((p) => l.path.startsWith(p + '/'))) continue;
      gone.push(l.path);
    }
    plan.remove.push(...gone);
  }
  plan.remove.sort(cmp);
  return plan;
}

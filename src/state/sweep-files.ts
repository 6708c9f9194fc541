import { writeFileAtomic } from './atomic-write.js';
import type { Params } from '../domain/params.js';
import type { TaskRow } from './sweep-store.js';
import type { GitInfo } from './git-info.js';

// Renders the human-readable files of a sweep directory. Pure: callers write them atomically.

export interface SweepMetadata {
  id: string;
  name: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  project_root: string;
  sweep_file: string | null;
  total: number;
  sources: string[];
  git: { commit: string; dirty: boolean; dirty_files: string[] } | null;
  hsm_version: string;
}

export function buildSweepMetadata(input: {
  id: string;
  name: string | null;
  now: Date;
  projectRoot: string;
  sweepFile: string | null;
  total: number;
  sources: string[];
  git: GitInfo | null;
  version: string;
}): SweepMetadata {
  const at = input.now.toISOString();
  return {
    id: input.id,
    name: input.name,
    created_at: at,
    updated_at: at,
    completed_at: null,
    project_root: input.projectRoot,
    sweep_file: input.sweepFile,
    total: input.total,
    sources: input.sources,
    git: input.git
      ? { commit: input.git.commit, dirty: input.git.dirty, dirty_files: input.git.dirtyFiles }
      : null,
    hsm_version: input.version,
  };
}

export { renderYaml } from './render-yaml.js';

// params.yaml: one `key: value` line per param. Values are written as JSON, which YAML reads back
// with the same types (a string stays quoted, 1 stays a number, null and booleans stay themselves).
export function renderParamsYaml(params: Params): string {
  return renderFlatYaml(params);
}

const YAML_WORDS = /^(true|false|null|yes|no|on|off|y|n|~)$/i;

// A value in YAML flow style: plain when a plain scalar reads back as the same string, else JSON.
function renderFlowValue(v: unknown): string {
  if (typeof v === 'string' && /^[A-Za-z_][\w.\-/]*$/.test(v) && !YAML_WORDS.test(v)) return v;
  return JSON.stringify(v);
}

// A flat mapping as YAML without the cost of a general YAML emitter (written once per task).
export function renderFlatYaml(record: Record<string, unknown>): string {
  let out = '';
  for (const [k, v] of Object.entries(record)) {
    const key = /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(k) ? k : JSON.stringify(k);
    out += `${key}: ${v === undefined ? 'null' : renderFlowValue(v)}\n`;
  }
  return out;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function renderStatusYaml(task: TaskRow): string {
  return renderFlatYaml({
    task: task.name,
    key: task.key,
    status: task.status,
    source: task.source,
    attempt: task.attempts,
    exit_code: task.exitCode,
    signal: task.signal,
    termination_reason: task.reason,
    started_at: iso(task.startedAt),
    ended_at: iso(task.endedAt),
    duration_s:
      task.startedAt !== null && task.endedAt !== null ? (task.endedAt - task.startedAt) / 1000 : null,
    host: task.host,
    detail: task.detail,
  });
}

// task_mapping.yaml: task -> key, params, source, status, attempts, written from the store's pages
// (sweep-store.ts) and replaced atomically.
export const TASK_MAPPING_HEADER =
  '# task -> key, status, source, attempts, params (hsm rewrites this file in batches)\ntasks:\n';

export function writeTaskMapping(path: string, pages: Iterable<string>): void {
  writeFileAtomic(path, withHeader(TASK_MAPPING_HEADER, pages));
}

function* withHeader(header: string, pages: Iterable<string>): Generator<string> {
  yield header;
  yield* pages;
}

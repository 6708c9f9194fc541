import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  accessSync,
  constants,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { HsmError } from '../domain/errors.js';
import type { TaskSpec } from '../domain/task.js';
import { SweepPaths } from './sweep-paths.js';
import { SweepStore } from './sweep-store.js';
import { renderYaml, writeTaskMapping, type SweepMetadata } from './sweep-files.js';
import { writeFileAtomic } from './atomic-write.js';
import { PARAM_KEYS_META, ParamKeys } from './result-keys.js';
import { resolveSweepIdPrefix } from './sweep-id.js';

// Creating, finding and opening sweep directories. A sweep is created in a hidden `.partial`
// directory and renamed into place only when complete, so a failure leaves no half-written sweep.

export interface OpenSweep {
  id: string;
  paths: SweepPaths;
  store: SweepStore;
  metadata: SweepMetadata;
}

// Checks that the output directory can hold sweeps, with an error that says how to fix it.
export function ensureOutputDirectory(outputDir: string): void {
  refuseNonDirectory(outputDir);
  try {
    mkdirSync(outputDir, { recursive: true });
    accessSync(outputDir, constants.W_OK);
  } catch (err) {
    throw new HsmError('infra', `cannot write sweeps to ${outputDir}`, {
      evidence: (err as Error).message,
      hint: 'choose a writable directory with `defaults.output_dir` in hsm_config.yaml, or fix its permissions',
      cause: err,
    });
  }
}

export function createSweepDirectory(input: {
  outputDir: string;
  id: string;
  /** Take the first free id among id, id_2, id_3... instead of refusing an id that exists. */
  uniqueId?: boolean;
  sweepConfig: unknown;
  /** Its `id` is set to the id the sweep gets. */
  metadata: SweepMetadata;
  tasks: Iterable<TaskSpec>;
}): OpenSweep {
  ensureOutputDirectory(input.outputDir);
  if (/\n/.test(input.outputDir))
    throw new HsmError(
      'config',
      `the output directory path contains a newline: ${JSON.stringify(input.outputDir)}`,
    );
  const { id, partial } = claimSweepId(input.outputDir, input.id, input.uniqueId ?? false);
  const finalDir = join(input.outputDir, id);
  const metadata: SweepMetadata = { ...input.metadata, id };
  try {
    const tmp = new SweepPaths(partial);
    mkdirSync(tmp.tasksDir, { recursive: true });
    mkdirSync(join(tmp.logsDir, 'sources'), { recursive: true });
    mkdirSync(join(tmp.logsDir, 'errors'), { recursive: true });
    writeFileAtomic(tmp.config, renderYaml(input.sweepConfig));
    writeFileAtomic(tmp.metadata, renderYaml(metadata));
    const store = SweepStore.open(tmp.db, { create: true });
    try {
      const paramKeys = new ParamKeys();
      const total = store.insertTasks(
        (function* () {
          for (const t of input.tasks) {
            paramKeys.add(t);
            yield t;
          }
        })(),
      );
      store.setMeta('sweep_id', id);
      store.setMeta(PARAM_KEYS_META, JSON.stringify(paramKeys.keys()));
      store.recordEvent('sweep:created', { total });
      writeTaskMapping(tmp.taskMapping, store.mappingYamlPages());
    } finally {
      store.close();
    }
    // the claim (below) makes this id ours: nobody else renames a directory to it
    renameSync(partial, finalDir);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    if (err instanceof HsmError) throw err;
    throw new HsmError('infra', `could not create sweep ${id} in ${input.outputDir}`, {
      evidence: (err as Error).message,
      hint: 'check free disk space and permissions of the output directory; nothing was left behind',
      cause: err,
    });
  }
  // opened as openSweepDirectory would, without reading back the metadata just written
  const paths = new SweepPaths(resolve(finalDir));
  return { id, paths, store: SweepStore.open(paths.db), metadata };
}

// Makes a sweep id ours, atomically, among hsm processes creating sweeps in one output directory at
// the same moment: the `.<id>.partial` directory a sweep is built in is created with a plain mkdir,
// which exactly one process can do; the id is then ours unless the sweep already exists. The partial
// directory exists until it is renamed to the id, so a later claimant sees one or the other.
function claimSweepId(outputDir: string, wanted: string, unique: boolean): { id: string; partial: string } {
  for (let n = 1; ; n++) {
    const id = n === 1 ? wanted : `${wanted}_${n}`;
    const partial = join(outputDir, `.${id}.partial`);
    try {
      mkdirSync(partial);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new HsmError('infra', `cannot create sweep ${id} in ${outputDir}`, {
          evidence: (err as Error).message,
          hint: 'check free disk space and permissions of the output directory',
          cause: err,
        });
      }
      if (unique) continue;
      throw new HsmError('usage', `sweep ${id} is being created by another hsm process in ${outputDir}`, {
        hint: `choose another --sweep-id; if no hsm process is creating it (one was killed), remove ${partial}`,
      });
    }
    if (!existsSync(join(outputDir, id))) return { id, partial };
    rmSync(partial, { recursive: true, force: true });
    if (unique) continue;
    throw new HsmError('usage', `sweep ${id} already exists in ${outputDir}`, {
      hint: `finish it with \`hsm complete ${id}\`, or choose another --sweep-id`,
    });
  }
}

export function openSweepDirectory(dir: string, options: { readonly?: boolean } = {}): OpenSweep {
  const paths = new SweepPaths(resolve(dir));
  if (!existsSync(paths.db)) {
    throw new HsmError('not_found', `${dir} is not a sweep directory (no sweep.db)`, {
      hint: '`hsm recent` lists the sweeps of this project',
    });
  }
  const metadata = readMetadata(paths.metadata);
  const store = SweepStore.open(paths.db, { readonly: options.readonly ?? false });
  return { id: metadata.id, paths, store, metadata };
}

function readMetadata(path: string): SweepMetadata {
  let metadata: unknown;
  try {
    metadata = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new HsmError('infra', `the sweep metadata ${path} is missing or damaged`, {
      evidence: (err as Error).message,
      hint: "restore it from a copy of the sweep directory; the task directories under tasks/ still hold each task's output",
      cause: err,
    });
  }
  if (
    typeof metadata !== 'object' ||
    metadata === null ||
    typeof (metadata as SweepMetadata).id !== 'string'
  ) {
    throw new HsmError('infra', `the sweep metadata ${path} is damaged (no sweep id)`, {
      hint: 'restore it from a copy of the sweep directory',
    });
  }
  return metadata as SweepMetadata;
}

// An output directory path that names something else (a file) is a configuration mistake.
function refuseNonDirectory(outputDir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(outputDir).isDirectory();
  } catch {
    return; // missing: created when a sweep is
  }
  if (!isDir) {
    throw new HsmError('config', `the output directory ${outputDir} is a file, not a directory`, {
      hint: 'set `defaults.output_dir` in hsm_config.yaml to a directory, or move the file away',
    });
  }
}

// Lists sweep ids in an output directory, newest first.
export function listSweepIds(outputDir: string): string[] {
  if (!existsSync(outputDir)) return [];
  refuseNonDirectory(outputDir);
  return readdirSync(outputDir, { withFileTypes: true })
    .filter(
      (d) => d.isDirectory() && !d.name.startsWith('.') && existsSync(join(outputDir, d.name, 'sweep.db')),
    )
    .map((d) => ({ id: d.name, at: modifiedAt(join(outputDir, d.name)) }))
    .sort((a, b) => b.at - a.at || b.id.localeCompare(a.id))
    .map((d) => d.id);
}

// When a sweep was last changed, for ordering: its metadata file's mtime (the directory's if that
// file is missing: a damaged sweep is still listed).
function modifiedAt(dir: string): number {
  try {
    return statSync(join(dir, 'sweep_metadata.yaml')).mtimeMs;
  } catch {
    return statSync(dir).mtimeMs;
  }
}

// Finds a sweep directory from an id, a unique id prefix, or a path.
export function locateSweep(outputDir: string, idOrPrefix: string | undefined): string {
  if (idOrPrefix && existsSync(join(idOrPrefix, 'sweep.db'))) return resolve(idOrPrefix);
  const ids = listSweepIds(outputDir);
  if (!idOrPrefix) {
    if (ids.length === 0) {
      throw new HsmError('not_found', `no sweeps in ${outputDir}`, { hint: 'start one with `hsm run`' });
    }
    return join(outputDir, ids.sort((a, b) => latestFirst(outputDir, a, b))[0]!);
  }
  const matches = resolveSweepIdPrefix(idOrPrefix, ids);
  if (matches.length === 1) return join(outputDir, matches[0]!);
  if (matches.length === 0) {
    throw new HsmError('not_found', `no sweep matches "${idOrPrefix}" in ${outputDir}`, {
      hint: '`hsm recent` lists the sweeps of this project',
    });
  }
  throw new HsmError(
    'usage',
    `"${idOrPrefix}" matches ${matches.length} sweeps: ${matches.slice(0, 5).join(', ')}`,
    {
      hint: 'give more of the id',
    },
  );
}

function latestFirst(outputDir: string, a: string, b: string): number {
  const at = (id: string) =>
    statSync(join(outputDir, id, 'sweep.db')).birthtimeMs || statSync(join(outputDir, id)).ctimeMs;
  return at(b) - at(a);
}

import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { HsmError } from '../domain/errors.js';
import type { ParamValue } from '../domain/params.js';
import { writeFileAtomic } from './atomic-write.js';
import { renderYaml } from './sweep-files.js';
import { resolveSweepIdPrefix } from './sweep-id.js';

// A matrix's record: `<output_dir>/matrices/<matrix_id>/matrix.yaml`, everything `hsm matrix check`,
// `kill` and `--relaunch` need (each job's spec and the sweep and task it runs as), so they work from
// any later shell, or another machine with the project, without the matrix file.

export interface MatrixJobRecord {
  name: string;
  axes: Record<string, ParamValue>;
  argv: string[];
  env: Record<string, string>;
  source: string;
  resources: Record<string, ParamValue>;
  timeout: string | null;
  /** Extra attempts hsm gives it (absent in records written before: 0). */
  retries?: number;
  expect: { exit_code?: number; reason?: string };
  description: string | null;
  /** The sweep and task of its latest launch. */
  sweep_id: string;
  task: string;
  /** How many times it was launched (1, then one more per relaunch). */
  launches: number;
}

export interface MatrixRecord {
  id: string;
  name: string;
  file: string | null;
  created_at: string;
  project_root: string;
  ci: boolean;
  git: { commit: string; dirty: boolean; dirty_files: string[]; pushed: boolean | null } | null;
  rules: { summary: string; patterns: { match: string; reason: string }[]; restarts: string | null };
  /** When `hsm matrix kill` stopped it (a relaunch clears it). */
  killed_at?: string | null;
  /** Every sweep the matrix ran, in launch order. */
  sweeps: string[];
  jobs: MatrixJobRecord[];
}

export function matricesDir(outputDir: string): string {
  return join(outputDir, 'matrices');
}

// Claims a fresh id (`id`, then `id_2`, ... when taken: mkdir decides between racing launches).
export function claimMatrixId(outputDir: string, id: string): string {
  mkdirSync(matricesDir(outputDir), { recursive: true });
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? id : `${id}_${n}`;
    try {
      mkdirSync(join(matricesDir(outputDir), candidate));
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

export function writeMatrixRecord(outputDir: string, record: MatrixRecord): void {
  writeFileAtomic(join(matricesDir(outputDir), record.id, 'matrix.yaml'), renderYaml(record), true);
}

// The matrices of a project, newest first.
export function listMatrixIds(outputDir: string): string[] {
  const dir = matricesDir(outputDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'matrix.yaml')))
    .map((d) => ({ id: d.name, at: createdAt(join(dir, d.name, 'matrix.yaml')) }))
    .sort((a, b) => b.at.localeCompare(a.at) || b.id.localeCompare(a.id))
    .map((d) => d.id);
}

// A matrix by id or unique prefix; none given: the latest.
export function readMatrixRecord(outputDir: string, idOrPrefix?: string): MatrixRecord {
  const ids = listMatrixIds(outputDir);
  let id: string;
  if (idOrPrefix === undefined) {
    if (ids.length === 0)
      throw new HsmError('not_found', `no matrices in ${matricesDir(outputDir)}`, {
        hint: 'launch one with `hsm matrix launch FILE`',
      });
    id = ids[0]!;
  } else {
    const matches = resolveSweepIdPrefix(idOrPrefix, ids);
    if (matches.length === 0)
      throw new HsmError('not_found', `no matrix matches "${idOrPrefix}" in ${matricesDir(outputDir)}`, {
        hint: ids.length
          ? `matrices: ${ids.slice(0, 5).join(', ')}`
          : 'launch one with `hsm matrix launch FILE`',
      });
    if (matches.length > 1)
      throw new HsmError(
        'usage',
        `"${idOrPrefix}" matches ${matches.length} matrices: ${matches.slice(0, 5).join(', ')}`,
        {
          hint: 'give more of the id',
        },
      );
    id = matches[0]!;
  }
  const path = join(matricesDir(outputDir), id, 'matrix.yaml');
  try {
    return parse(readFileSync(path, 'utf8')) as MatrixRecord;
  } catch (err) {
    throw new HsmError('infra', `cannot read the matrix record ${path}`, {
      evidence: (err as Error).message,
      hint: 'check the file (it is written by `hsm matrix launch`)',
      cause: err,
    });
  }
}

function createdAt(path: string): string {
  const m = /^created_at: ['"]?([^'"\n]+)/m.exec(readFileSync(path, 'utf8'));
  return m?.[1] ?? '';
}

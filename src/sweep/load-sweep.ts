import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { HsmError } from '../domain/errors.js';
import { buildInvalidFileError, hasErrors, type Diagnostic } from './diagnostic.js';
import { parseSweepText } from './parse-sweep.js';
import type { SweepDefinition } from './sweep-definition.js';

// The one impure part of sweep/: reads a sweep file from disk. A missing file, a directory or an
// unreadable file is an HsmError with one clear paragraph; content problems are diagnostics.

export interface LoadSweepOptions {
  /** Hydra-style sweep overrides from the command line (`seed=1,2,3`). */
  overrides?: string[];
  /** hsm_config.yaml's interpreter + training script, used when the file has no `command:`. */
  defaultCommand?: string[] | null;
  /** Directory relative paths are resolved against (default: the process's cwd). */
  cwd?: string;
}

// Reads and validates a sweep file; throws HsmError('config') listing every error (file:line:col
// each) in its evidence; returns the definition and the warnings and suggestions.
export function loadSweepDefinition(
  path: string,
  opts: LoadSweepOptions = {},
): { definition: SweepDefinition; warnings: Diagnostic[] } {
  const { definition, diagnostics, display } = readAndParse(path, opts);
  if (!definition || hasErrors(diagnostics)) {
    throw buildInvalidFileError(
      `sweep file ${display}`,
      diagnostics,
      `fix the errors above; \`hsm validate ${display}\` checks the file without running anything`,
    );
  }
  return { definition, warnings: diagnostics };
}

// Every diagnostic of a sweep file (errors, warnings, suggestions) and the task count when valid;
// throws only when the file cannot be read at all.
export function validateSweepFile(path: string, opts: LoadSweepOptions = {}): Diagnostic[] {
  return readAndParse(path, opts).diagnostics;
}

// The definition (null when invalid) and every diagnostic; throws only when the file cannot be read.
export function inspectSweepFile(path: string, opts: LoadSweepOptions = {}) {
  return readAndParse(path, opts);
}

function readAndParse(path: string, opts: LoadSweepOptions) {
  const cwd = opts.cwd ?? process.cwd();
  const file = resolve(cwd, path);
  const display = displayPath(file, cwd);
  const text = readSweepText(file, display);
  const result = parseSweepText(text, {
    file,
    displayFile: display,
    overrides: opts.overrides ?? [],
    defaultCommand: opts.defaultCommand ?? null,
  });
  return { ...result, display };
}

// A path as users typed it: relative to the current directory when inside it, else absolute.
export function displayPath(file: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function readSweepText(file: string, display: string): string {
  let isDir: boolean;
  try {
    isDir = statSync(file).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new HsmError('not_found', `sweep file ${display} does not exist`, {
        hint: 'pass the path of a sweep file (`hsm validate path/to/sweep.yaml`), or run `hsm init` to write sweeps/sweep.yaml',
      });
    }
    throw unreadable(display, err);
  }
  if (isDir) {
    throw new HsmError('usage', `${display} is a directory, not a sweep file`, {
      hint: `pass the sweep file inside it, e.g. \`${display.replace(/\/$/, '')}/sweep.yaml\``,
    });
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw unreadable(display, err);
  }
}

function unreadable(display: string, err: unknown): HsmError {
  return new HsmError('config', `sweep file ${display} cannot be read`, {
    evidence: (err as Error).message,
    hint: 'check the file permissions (the user running hsm must be able to read it)',
    cause: err,
  });
}

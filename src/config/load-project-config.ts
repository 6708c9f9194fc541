import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { HsmError } from '../domain/errors.js';
import { isMap, isScalar } from 'yaml';
import { buildInvalidFileError, hasErrors, type Diagnostic } from '../sweep/diagnostic.js';
import type { YamlContext } from '../sweep/yaml-context.js';
import { displayPath } from '../sweep/load-sweep.js';
import { parseProjectConfigText } from './parse-project-config.js';
import { buildDefaultConfig, type ProjectConfig } from './project-config.js';

// Finds and reads hsm_config.yaml. From `cwd` up to the git root (or /), the first directory with
// `hsm_config.yaml`, else with `sweeps/hsm_config.yaml`, is the project root; else
// `~/.hsm/config.yaml` applies with the git root (or cwd) as project root; no file at all means
// defaults, not an error. An invalid file throws HsmError('config') listing every error.

export interface LoadConfigOptions {
  /** Home directory for `~/.hsm/config.yaml` and `~` in paths (default: os.homedir()). */
  homeDir?: string;
}

export function loadProjectConfig(cwd: string = process.cwd(), opts: LoadConfigOptions = {}): ProjectConfig {
  const { config, diagnostics, display } = inspectProjectConfig(cwd, opts);
  if (hasErrors(diagnostics)) {
    throw buildInvalidFileError(
      display!,
      diagnostics,
      'fix the errors above; `hsm validate` checks the file',
    );
  }
  config.diagnostics = diagnostics;
  return config;
}

export interface SourceLocation {
  line?: number;
  col?: number;
  /** Its first and last line. */
  lines: [number, number];
}

export interface ConfigInspection {
  /** What the file says, its faulty parts left out (defaults when there is no file). */
  config: ProjectConfig;
  /** Every error, warning and suggestion of the file at its file:line:col. */
  diagnostics: Diagnostic[];
  /** The file as shown to the user (relative to cwd when inside it); null: no file. */
  display: string | null;
  /** Where each source is written: its name's line and column (for problems found later) and the
   * lines it spans. */
  sourceAt: Record<string, SourceLocation>;
}

// Reads hsm_config.yaml like loadProjectConfig but never throws for what is written in it: `hsm
// validate` reports every problem of the file, and checks the sources that could be read.
export function inspectProjectConfig(
  cwd: string = process.cwd(),
  opts: LoadConfigOptions = {},
): ConfigInspection {
  const home = opts.homeDir ?? process.env.HOME ?? homedir();
  const start = resolve(cwd);
  const found = findProjectConfigFile(start, home);
  const gitRoot = findGitRoot(start);
  if (!found)
    return { config: buildDefaultConfig(gitRoot ?? start), diagnostics: [], display: null, sourceAt: {} };
  const display = displayPath(found.file, start);
  const text = readConfigText(found.file, display);
  const { config, ctx } = parseProjectConfigText({
    text,
    file: found.file,
    displayFile: display,
    defaultRoot: found.root ?? gitRoot ?? start,
    homeDir: home,
  });
  return { config, diagnostics: ctx.diagnostics, display, sourceAt: sourcePositions(ctx) };
}

function sourcePositions(ctx: YamlContext): Record<string, SourceLocation> {
  const out: Record<string, SourceLocation> = {};
  const root = ctx.resolve(ctx.doc.contents);
  const sources = isMap(root) ? ctx.resolve(root.get('sources', true)) : null;
  if (!isMap(sources)) return out;
  for (const pair of sources.items) {
    if (!isScalar(pair.key)) continue;
    const at = ctx.position(pair.key);
    const value = ctx.resolve(pair.value);
    const first = at.line ?? 0;
    const last = value?.range ? ctx.lineAt(Math.max(value.range[0], value.range[1] - 1)) : first;
    out[String(pair.key.value)] = { ...at, lines: [first, Math.max(first, last)] };
  }
  return out;
}

// Where the config file is: its path and the project root it implies (null for ~/.hsm).
export function findProjectConfigFile(
  cwd: string,
  homeDir: string,
): { file: string; root: string | null } | null {
  for (let dir = cwd; ; dir = dirname(dir)) {
    for (const candidate of [join(dir, 'hsm_config.yaml'), join(dir, 'sweeps', 'hsm_config.yaml')]) {
      if (existsSync(candidate)) return { file: candidate, root: dir };
    }
    if (existsSync(join(dir, '.git')) || dirname(dir) === dir) break;
  }
  const home = join(homeDir, '.hsm', 'config.yaml');
  return existsSync(home) ? { file: home, root: null } : null;
}

// The nearest directory at or above `dir` that holds `.git`.
export function findGitRoot(dir: string): string | null {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return null;
  }
}

// The command a sweep runs when its file has no `command:`: the interpreter (default `python3`)
// and the training script, relative to the project root when inside it (tasks run there), so the
// task keys do not depend on where the project is checked out.
export function buildDefaultCommand(config: ProjectConfig): string[] | null {
  const script = config.project.training_script;
  if (!script) return null;
  const rel = relative(config.projectRoot, script);
  const shown = rel && !rel.startsWith('..') && !rel.startsWith(sep) ? rel : script;
  return [config.project.python_interpreter ?? 'python3', shown];
}

function readConfigText(file: string, display: string): string {
  try {
    if (statSync(file).isDirectory()) {
      throw new HsmError('config', `${display} is a directory, not a config file`, {
        hint: 'remove or rename it; hsm_config.yaml must be a YAML file',
      });
    }
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof HsmError) throw err;
    throw new HsmError('config', `${display} cannot be read`, {
      evidence: (err as Error).message,
      hint: 'check the file permissions (the user running hsm must be able to read it)',
      cause: err,
    });
  }
}

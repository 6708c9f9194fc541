import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { HsmError } from '../domain/errors.js';
import { buildInvalidFileError, hasErrors } from '../sweep/diagnostic.js';
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
  const home = opts.homeDir ?? process.env.HOME ?? homedir();
  const start = resolve(cwd);
  const found = findProjectConfigFile(start, home);
  const gitRoot = findGitRoot(start);
  if (!found) return buildDefaultConfig(gitRoot ?? start);
  const text = readConfigText(found.file, displayPath(found.file, start));
  const { config, ctx } = parseProjectConfigText({
    text,
    file: found.file,
    displayFile: displayPath(found.file, start),
    defaultRoot: found.root ?? gitRoot ?? start,
    homeDir: home,
  });
  if (hasErrors(ctx.diagnostics)) {
    throw buildInvalidFileError(
      displayPath(found.file, start),
      ctx.diagnostics,
      'fix the errors above; `hsm validate` checks the file',
    );
  }
  config.diagnostics = ctx.diagnostics;
  return config;
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

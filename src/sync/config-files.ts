// Files that change what a sweep runs rather than the code it runs: hsm's own configuration, the
// sweep files, and the files an environment is built from. A difference in one of them is called
// out by `hsm sync check`, since tasks would run with other parameters or other packages.

const ENVIRONMENT_FILES = new Set([
  'hsm_config.yaml',
  'environment.yml',
  'environment.yaml',
  'pyproject.toml',
  'setup.py',
  'setup.cfg',
  'Pipfile',
  'Pipfile.lock',
  'poetry.lock',
  'uv.lock',
  'conda-lock.yml',
]);

/**
 * @param path relative to the project root, `/`-separated
 * @param sweepDir the directory of the default sweep file, relative to the root (`sweeps`)
 */
export function isConfigFile(path: string, sweepDir: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (ENVIRONMENT_FILES.has(base)) return true;
  if (/^requirements.*\.(txt|in)$/.test(base)) return true;
  const dir = sweepDir.replace(/^\.\/?/, '').replace(/\/+$/, '');
  const inSweepDir = dir === '' ? !path.includes('/') : path.startsWith(`${dir}/`);
  return inSweepDir && /\.ya?ml$/.test(base);
}

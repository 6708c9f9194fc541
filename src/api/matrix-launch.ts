import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { HsmError } from '../domain/errors.js';
import { displayPath, hasErrors, type Diagnostic } from '../sweep/index.js';
import { buildInvalidFileError } from '../sweep/diagnostic.js';
import {
  expandMatrixJobs,
  findDuplicateJobNames,
  parseMatrixText,
  withEnvironment,
  type MatrixDefinition,
  type MatrixJobSpec,
} from '../matrix/index.js';
import { readGitInfo, isHeadPushed } from '../state/git-info.js';
import { formatSweepId } from '../state/sweep-id.js';
import {
  claimMatrixId,
  writeMatrixRecord,
  type MatrixJobRecord,
  type MatrixRecord,
} from '../state/matrix-record.js';
import type { ProjectContext } from './project.js';
import { checkRunSources } from './run-sources.js';
import { applySourceResources, checkSourceResources } from './source-resources.js';
import { submitJobs } from './job-api.js';
import { plural } from '../domain/plural.js';

// `hsm matrix launch`: a matrix file becomes jobs, submitted through the job API (one sweep per
// source and resources), after the git state check; the matrix record ties them together.

export interface MatrixLaunchOptions {
  /** Every job on this source, whatever the file says. */
  source?: string;
  /** Only the jobs whose entries all have `ci: true` (the default). */
  ci?: boolean;
  /** Launch from a work tree with uncommitted or unpushed changes (recorded). */
  allowDirty?: boolean;
}

// Reads and validates a matrix file: HsmError('config') with every error at file:line:col.
export function loadMatrixFile(
  project: ProjectContext,
  file: string,
): { definition: MatrixDefinition; warnings: Diagnostic[] } {
  const path = resolve(project.cwd, file);
  const display = displayPath(path, project.cwd);
  let text: string;
  try {
    if (statSync(path).isDirectory())
      throw new HsmError('usage', `${display} is a directory, not a matrix file`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof HsmError) throw err;
    throw new HsmError('not_found', `matrix file ${display} cannot be read`, {
      evidence: (err as Error).message,
      hint: 'pass the path of a matrix file (docs/matrix-files.md)',
    });
  }
  const { definition, diagnostics } = parseMatrixText(text, {
    file: path,
    displayFile: display,
    fallbackName: basename(path).replace(/\.ya?ml$/, ''),
  });
  if (!definition || hasErrors(diagnostics))
    throw buildInvalidFileError(
      `matrix file ${display}`,
      diagnostics,
      'fix the errors above (docs/matrix-files.md)',
    );
  const dup = findDuplicateJobNames(expandMatrixJobs(definition));
  if (dup.length > 0)
    throw new HsmError(
      'config',
      `matrix file ${display}: two combinations make the same job name (${dup.slice(0, 3).join(', ')})`,
      { hint: 'rename an entry so that the labels joined by `_` differ' },
    );
  return { definition, warnings: diagnostics };
}

// The jobs a launch runs, every one with its source resolved and its resources checked.
export function planMatrixJobs(
  project: ProjectContext,
  definition: MatrixDefinition,
  options: MatrixLaunchOptions,
): (MatrixJobSpec & { source: string })[] {
  const jobs = expandMatrixJobs(definition).filter((j) => !options.ci || j.ci);
  if (jobs.length === 0)
    throw new HsmError('usage', `matrix ${definition.name} has no ${options.ci ? 'CI ' : ''}jobs`, {
      hint: options.ci
        ? 'mark the entries of the CI subset `ci: true`, or launch without --ci'
        : 'add values to its axes',
    });
  const placed = jobs.map((j) => ({ ...j, source: options.source ?? j.source ?? 'local' }));
  for (const j of placed) {
    // the source as this job gets it: its resources over the source's hsm_config.yaml entry
    checkRunSources(
      { ...project, config: applySourceResources(project.config, { [j.source]: j.resources }) },
      [j.source],
    );
    if (Object.keys(j.env).length > 0 && j.argv[0]!.includes('='))
      throw new HsmError(
        'config',
        `job ${j.name}: a command whose first word contains \`=\` cannot be given an environment`,
        { hint: 'name the program first (e.g. python train.py ...)' },
      );
    checkSourceResources(
      j.source,
      project.config.sources[j.source] ?? { type: 'local' },
      j.resources,
      `job ${j.name}`,
    );
  }
  return placed;
}

// The git state check: the work tree must be clean and HEAD pushed (its commit is recorded), unless
// `allowDirty`; a project that is not a git repository needs `allowDirty` too.
export async function checkGitState(
  project: ProjectContext,
  allowDirty: boolean,
): Promise<MatrixRecord['git']> {
  const git = await readGitInfo(project.projectRoot);
  if (!git) {
    if (allowDirty) return null;
    throw new HsmError(
      'usage',
      `${project.projectRoot} is not a git repository: the matrix could not be traced to a commit`,
      { hint: 'commit the project to git, or pass --allow-dirty to launch anyway' },
    );
  }
  const { pushed, upstream } = await isHeadPushed(project.projectRoot);
  if (!allowDirty) {
    if (git.dirty)
      throw new HsmError(
        'usage',
        `the work tree has uncommitted changes (${plural(git.dirtyFiles.length, 'file')}): the matrix would not test commit ${git.commit.slice(0, 12)}`,
        {
          evidence: git.dirtyFiles.slice(0, 10).join('\n'),
          hint: 'commit (and push) them, or pass --allow-dirty to launch anyway (the dirty files are recorded)',
        },
      );
    if (pushed !== true)
      throw new HsmError(
        'usage',
        upstream
          ? `commit ${git.commit.slice(0, 12)} is not pushed to ${upstream}`
          : `the branch has no upstream: commit ${git.commit.slice(0, 12)} is not pushed anywhere`,
        {
          hint: upstream
            ? '`git push`, or pass --allow-dirty to launch anyway'
            : '`git push -u origin HEAD`, or pass --allow-dirty to launch anyway',
        },
      );
  }
  return { commit: git.commit, dirty: git.dirty, dirty_files: git.dirtyFiles, pushed };
}

export interface MatrixLaunch {
  record: MatrixRecord;
  warnings: Diagnostic[];
}

export async function launchMatrix(
  project: ProjectContext,
  file: string,
  options: MatrixLaunchOptions = {},
): Promise<MatrixLaunch> {
  const { definition, warnings } = loadMatrixFile(project, file);
  const jobs = planMatrixJobs(project, definition, options);
  const git = await checkGitState(project, options.allowDirty ?? false);
  const id = claimMatrixId(project.outputDir, formatSweepId(definition.name, new Date()));
  const record: MatrixRecord = {
    id,
    name: definition.name,
    file: definition.file,
    created_at: new Date().toISOString(),
    project_root: project.projectRoot,
    ci: options.ci ?? false,
    git,
    rules: definition.rules,
    sweeps: [],
    jobs: jobs.map((j) => ({
      name: j.name,
      axes: j.axes,
      argv: j.argv,
      env: j.env,
      source: j.source,
      resources: j.resources,
      timeout: j.timeout,
      retries: j.retries,
      expect: j.expect,
      description: j.description,
      sweep_id: '',
      task: '',
      launches: 0,
    })),
  };
  writeMatrixRecord(project.outputDir, record);
  await launchJobs(project, record, record.jobs);
  return { record, warnings };
}

// Submits jobs of a matrix (all of them, or the failed ones again), one sweep per source, resources,
// time limit and retries, and records where each runs. The record is written after each sweep, so a failure
// half-way leaves the launched part findable.
export async function launchJobs(
  project: ProjectContext,
  record: MatrixRecord,
  jobs: MatrixJobRecord[],
): Promise<void> {
  const groups = new Map<string, MatrixJobRecord[]>();
  for (const j of jobs) {
    const key = JSON.stringify([j.source, j.resources, j.timeout, j.retries ?? 0]);
    groups.set(key, [...(groups.get(key) ?? []), j]);
  }
  record.killed_at = null;
  for (const group of groups.values()) {
    const first = group[0]!;
    const handles = await submitJobs(project, {
      name: record.name,
      source: first.source,
      resources: first.resources,
      timeout: first.timeout,
      retries: first.retries ?? 0,
      jobs: group.map((j) => ({ name: j.name, argv: withEnvironment(j.argv, j.env), params: j.axes })),
    });
    group.forEach((j, i) => {
      j.sweep_id = handles[i]!.sweepId;
      j.task = handles[i]!.task;
      j.launches++;
    });
    record.sweeps.push(handles[0]!.sweepId);
    writeMatrixRecord(project.outputDir, record);
  }
}

import { join } from 'node:path';
import { makeTempDir } from './temp-dir.js';
import type { TaskSpec } from '../../src/domain/task.js';
import { createSweepDirectory, type OpenSweep } from '../../src/state/sweep-directory.js';
import { buildSweepMetadata } from '../../src/state/sweep-files.js';
import { LocalTaskWorkspace } from '../../src/state/task-workspace.js';
import type { SweepContext } from '../../src/compute/source-context.js';

// A real sweep directory with hand-made tasks, for engine and source tests that do not need a sweep file.
export function makeTasks(argvs: string[][]): TaskSpec[] {
  return argvs.map((argv, i) => ({
    index: i + 1,
    name: `task_${String(i + 1).padStart(3, '0')}`,
    key: `key${i + 1}`,
    params: { i: i + 1 },
    argv,
  }));
}

export function makeSweep(
  tasks: TaskSpec[],
  root = makeTempDir('hsm-test-'),
): {
  sweep: OpenSweep;
  workspace: LocalTaskWorkspace;
  /** What sources are told about this sweep (project root = `root`). */
  context: SweepContext;
  root: string;
} {
  const id = 'test_sweep';
  const sweep = createSweepDirectory({
    outputDir: join(root, 'outputs'),
    id,
    sweepConfig: { test: true },
    metadata: buildSweepMetadata({
      id,
      name: 'test',
      now: new Date(),
      projectRoot: root,
      sweepFile: null,
      total: tasks.length,
      sources: ['local'],
      git: null,
      version: 'test',
    }),
    tasks,
  });
  const workspace = new LocalTaskWorkspace(sweep.paths, {
    mappingPages: () => sweep.store.mappingYamlPages(),
  });
  const context: SweepContext = {
    sweepId: id,
    sweepDir: sweep.paths.dir,
    tasksDir: sweep.paths.tasksDir,
    projectRoot: root,
    environment: {},
    program: tasks[0]?.argv[0] ?? null,
    state: (source) => ({
      get: (key) => sweep.store.getMeta(`source:${source}:${key}`),
      set: (key, value) => sweep.store.setMeta(`source:${source}:${key}`, value),
    }),
  };
  return { sweep, workspace, context, root };
}

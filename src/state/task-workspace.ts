import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import type { TaskRow, TaskWorkspace } from '../engine/ports.js';
import { writeFileAtomic } from './atomic-write.js';
import { ATTEMPT_FILES, SweepPaths } from './sweep-paths.js';
import { readExitRecord, readStartedRecord, readTail } from '../process/task-records.js';
import { attemptAtTop, highestArchivedAttempt } from './task-dir-scan.js';
import { renderParamsYaml, renderStatusYaml, writeTaskMapping } from './sweep-files.js';

// Task directories on this machine: hsm writes params.yaml and status.yaml, the source command.sh;
// the runner writes started/exit and the logs (a remote source's come back with its results). Task directories are created when a task first runs, so creating
// a sweep of 100,000 tasks does not create 100,000 directories up front.

export interface WorkspaceOptions {
  /** The pages task_mapping.yaml is written from (the store's mappingYamlPages). */
  mappingPages?: () => Iterable<string>;
}

export class LocalTaskWorkspace implements TaskWorkspace {
  constructor(
    readonly paths: SweepPaths,
    private readonly options: WorkspaceOptions = {},
  ) {}

  prepareAttempt(task: TaskRow, attempt: number): string {
    const dir = this.paths.taskDir(task.name);
    if (!createDirectory(dir)) this.archiveEarlierAttempt(task.name, attempt);
    // Plain writes: these files are written before the attempt is committed as queued, so a crash
    // half-way leaves an attempt that never started, and the next run writes them again.
    if (attempt === 1 || !existsSync(this.paths.taskFile(task.name, 'params.yaml'))) {
      writeFileSync(this.paths.taskFile(task.name, 'params.yaml'), renderParamsYaml(task.params));
    }
    return dir;
  }

  readStarted(task: string, attempt: number) {
    const r = readStartedRecord(this.paths.taskFile(task, 'started'), attempt);
    return r && { handle: String(r.pid), host: r.host, at: r.at };
  }

  readExit(task: string, attempt: number) {
    return readExitRecord(this.paths.taskFile(task, 'exit'), attempt);
  }

  stderrTail(task: string, bytes = 4096): string {
    return readTail(this.paths.taskFile(task, 'stderr.log'), bytes);
  }

  writeStatus(task: TaskRow): void {
    const path = this.paths.taskFile(task.name, 'status.yaml');
    try {
      writeFileAtomic(path, renderStatusYaml(task));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // the task directory was deleted while the task ran: its status is still written
      mkdirSync(this.paths.taskDir(task.name), { recursive: true });
      writeFileAtomic(path, renderStatusYaml(task));
    }
  }

  writeMapping(): void {
    if (this.options.mappingPages) writeTaskMapping(this.paths.taskMapping, this.options.mappingPages());
  }

  // Keeps an earlier attempt's logs and records under attempts/<n>/ (the latest stay at the top), n
  // being the attempt its records name. Never overwrites: files already under attempts/<n>/ stay, and
  // the files at the top go to the next free number instead.
  private archiveEarlierAttempt(task: string, attempt: number): void {
    const atTop = attemptAtTop(this.paths, task);
    if (atTop === null) return;
    let n = atTop > 0 ? atTop : attempt - 1;
    if (n < 1 || existsSync(this.paths.attemptDir(task, n)))
      n = Math.max(n, highestArchivedAttempt(this.paths, task) + 1);
    const target = this.paths.attemptDir(task, n);
    mkdirSync(target, { recursive: true });
    for (const f of ATTEMPT_FILES) {
      const from = this.paths.taskFile(task, f);
      if (existsSync(from)) renameSync(from, `${target}/${f}`);
    }
  }
}

// Creates a task directory; false when it exists already. One mkdir, the common case (a first
// attempt) costing no stat before it; the tasks/ directory is created too if it went missing.
function createDirectory(dir: string): boolean {
  try {
    mkdirSync(dir);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'ENOENT') throw err;
    mkdirSync(dir, { recursive: true });
    return true;
  }
}

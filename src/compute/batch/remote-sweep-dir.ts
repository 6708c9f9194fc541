import { quoteShellWord as q } from '../../domain/shell-quote.js';
import type { SourceLog } from '../../engine/log-port.js';
import { runCommand } from '../../process/run-command.js';
import { rsyncFiles } from '../../remote/ssh/rsync-files.js';
import { buildSshArgv } from '../../remote/ssh/ssh-argv.js';
import { classifySshFailure } from '../../remote/ssh/ssh-failure.js';
import { sshFailureHint } from '../../remote/ssh/ssh-failure-hint.js';
import type { SshEndpoint } from '../../remote/ssh/source-client.js';
import { SchedulerUnreachableError } from './job-submitter.js';

// The sweep directory of a batch source whose cluster does not share this machine's filesystem
// (`host:` and `workdir:`): a copy at `<workdir>/.hsm/sweeps/<id>/` on the cluster, beside the
// project copy that project sync keeps there (`.hsm/` is never synced, so a push leaves it alone).
// hsm writes the job scripts and each task's command.sh here as everywhere, sends them before the
// submit, and pulls the task directories back (records, logs, metrics): the local sweep directory
// stays the one `hsm status`, `results`, `logs` and `complete` read. Transfers are rsync over the
// login node's ssh connection (remote/ssh/rsync-files.ts, the ssh source's result collection).

export interface RemotePlace {
  /** The project copy on the cluster, absolute: the jobs' working directory. */
  root: string;
  /** The remote sweep directory, absolute. */
  sweepDir: string;
}

export interface RemoteSweepOptions {
  endpoint: SshEndpoint;
  /** The project copy as rsync and the login shell read it (absolute or relative to the login directory). */
  workdir: string;
  /** The workdir as written in hsm_config.yaml, for messages. */
  workdirDisplay: string;
  sourceName: string;
  sweepId: string;
  localSweepDir: string;
  log: SourceLog;
}

/** A task directory's files that belong to an earlier attempt are kept here in `attempts/`: never sent. */
const KEPT_HERE = ['/tasks/*/attempts/'];

export class RemoteSweepDir {
  private place: RemotePlace | null = null;

  constructor(private readonly o: RemoteSweepOptions) {}

  /** The remote sweep directory as rsync reads it (before `prepare` has resolved it). */
  private get dir(): string {
    return this.place?.sweepDir ?? `${this.o.workdir}/.hsm/sweeps/${this.o.sweepId}`;
  }

  private get where(): string {
    return this.o.endpoint.destination;
  }

  /** Creates the remote sweep directory (one ssh call) and resolves its absolute path. Throws
   * SchedulerUnreachableError (the tasks stay pending) when the login node cannot be reached or the
   * workdir cannot hold it, with the cause and the fix. */
  async prepare(): Promise<RemotePlace> {
    if (this.place) return this.place;
    const rel = `.hsm/sweeps/${this.o.sweepId}`;
    const script =
      `cd ${q(this.o.workdir)} || exit 3; ` +
      `mkdir -p ${q(`${rel}/scripts/job_scripts/output`)} ${q(`${rel}/tasks`)} || exit 4; ` +
      `test -w ${q(rel)} || exit 4; pwd -P`;
    const t0 = performance.now();
    const r = await runCommand(buildSshArgv(this.where, `sh -c ${q(script)}`, this.o.endpoint.client), {
      timeoutMs: 60_000,
    });
    this.o.log.command('prepare sweep dir', performance.now() - t0, { exit: r.exitCode });
    const failure = classifySshFailure(r.exitCode, r.stderr, false);
    if (failure)
      throw new SchedulerUnreachableError(
        `the login node ${this.where} cannot be reached over ssh: ${failure.message}; fix: ${sshFailureHint(this.where, failure.message)}`,
      );
    const root = r.stdout.trim().split('\n').pop() ?? '';
    if (r.exitCode !== 0 || !root.startsWith('/'))
      throw new SchedulerUnreachableError(
        `the workdir ${this.o.workdirDisplay} on ${this.where} cannot hold the sweep directory ` +
          `(${r.exitCode === 3 ? 'it cannot be entered' : 'it is not writable'}: ${lastLine(r.stderr) || `exit ${r.exitCode}`}); ` +
          `fix: set \`workdir:\` of source ${this.o.sourceName} to a directory your user on the cluster can write, ` +
          `on a filesystem its compute nodes share, and push the project there with \`hsm run --sync\``,
      );
    this.place = { root, sweepDir: `${root}/${rel}` };
    return this.place;
  }

  /** Sends these paths of the local sweep directory (with `mirror`, task directories, ending in `/`,
   * are made equal to the local ones: an earlier attempt's records there go). Throws
   * SchedulerUnreachableError. */
  async send(paths: readonly string[], mirror = true): Promise<void> {
    const r = await rsyncFiles({
      endpoint: this.o.endpoint,
      direction: 'send',
      remoteDir: this.dir,
      localDir: this.o.localSweepDir,
      paths,
      mirror,
      exclude: KEPT_HERE,
    });
    this.o.log.command('rsync send', r.ms, { files: paths.length, exit: r.exitCode });
    if (r.exitCode === 0) return;
    throw new SchedulerUnreachableError(
      `the job scripts could not be copied to ${this.where}:${this.dir} (rsync ${r.error ?? `exit ${r.exitCode}`}: ` +
        `${lastLine(r.stderr)}); fix: check that \`ssh ${this.where} true\` works from this machine and that ` +
        `the workdir ${this.o.workdirDisplay} there is writable and not full`,
    );
  }

  /** `clean_remote`: removes these tasks' directories from the cluster's copy (their records are
   * back here), then the copy itself when no task directory is left in it. Returns the tasks whose
   * directories were there and went, whether the copy went, and an error (logged or shown by the
   * caller), never throws: what stays is only disk space there. */
  async removeCollected(
    tasks: readonly string[],
  ): Promise<{ removed: string[]; copyRemoved: boolean; error: string | null }> {
    const removed: string[] = [];
    let copyRemoved = false;
    for (let i = 0; i < tasks.length; i += REMOVE_CHUNK) {
      const chunk = tasks.slice(i, i + REMOVE_CHUNK);
      const script = removalScript(this.dir, this.o.sweepId, chunk, i + REMOVE_CHUNK >= tasks.length);
      const t0 = performance.now();
      const r = await runCommand(buildSshArgv(this.where, `sh -c ${q(script)}`, this.o.endpoint.client), {
        timeoutMs: 60_000,
      });
      this.o.log.command('clean remote sweep dir', performance.now() - t0, {
        tasks: chunk.length,
        exit: r.exitCode,
      });
      const said = removalOutput(r.stdout);
      removed.push(...said.removed);
      copyRemoved ||= said.copyRemoved;
      if (r.exitCode !== 0)
        return {
          removed,
          copyRemoved,
          error: `removing the sweep's copy on ${this.where} (clean_remote) failed (exit ${r.exitCode}: ${lastLine(r.stderr)}); it stays at ${this.dir}`,
        };
    }
    return { removed, copyRemoved, error: null };
  }

  /** Where the sweep's copy is on the cluster, for messages. */
  describe(): string {
    return `${this.where}:${this.dir}`;
  }

  /** Brings these paths of the remote sweep directory back here; an error is returned (logged by
   * the caller), never thrown: what is not here yet is pulled again next time. */
  async fetch(paths: readonly string[]): Promise<string | null> {
    if (paths.length === 0) return null;
    const r = await rsyncFiles({
      endpoint: this.o.endpoint,
      direction: 'fetch',
      remoteDir: this.dir,
      localDir: this.o.localSweepDir,
      paths,
    });
    this.o.log.command('rsync pull', r.ms, { files: paths.length, exit: r.exitCode });
    if (r.exitCode === 0) return null;
    return `pulling task records from ${this.where}:${this.dir} failed (rsync ${r.error ?? `exit ${r.exitCode}`}: ${lastLine(r.stderr)})`;
  }
}

/** Task directories removed per ssh call (a command line stays far below the kernel's limit). */
const REMOVE_CHUNK = 500;

/** The shell script (run on the login node) that removes these task directories of the cluster's
 * copy and, with `last`, the copy itself when no task directory is left. It prints each task
 * directory it found and removed, and COPY_REMOVED when the copy went (removalOutput reads them).
 * Pure. */
export function removalScript(
  sweepDir: string,
  sweepId: string,
  tasks: readonly string[],
  last: boolean,
): string {
  const dirs = tasks.map((t) => q(`tasks/${t}`)).join(' ');
  // the sweep directory goes only once no task directory is left in it (another source sharing
  // the workdir, a task whose records did not come back, a job left queued: it stays)
  const rest = last
    ? `; if rmdir tasks 2>/dev/null; then rm -rf scripts; cd .. && rmdir ${q(sweepId)} 2>/dev/null && echo ${COPY_REMOVED}; fi; exit 0`
    : '';
  return (
    `cd ${q(sweepDir)} || exit 0; ` +
    `for d in ${dirs}; do if [ -d "$d" ]; then echo "$d"; fi; done; rm -rf -- ${dirs} || exit 1${rest}`
  );
}

const COPY_REMOVED = 'HSM-COPY-REMOVED';

/** What a removalScript printed: the tasks whose directories it removed, and whether the copy went. Pure. */
export function removalOutput(stdout: string): { removed: string[]; copyRemoved: boolean } {
  const lines = stdout.split('\n').map((l) => l.trim());
  return {
    removed: lines.filter((l) => l.startsWith('tasks/')).map((l) => l.slice('tasks/'.length)),
    copyRemoved: lines.includes(COPY_REMOVED),
  };
}

function lastLine(text: string): string {
  return text.trim().split('\n').slice(-2).join(' | ');
}

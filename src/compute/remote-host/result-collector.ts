import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { quoteShellWord as q } from '../../domain/shell-quote.js';
import { readExitRecord, readTail } from '../../process/task-records.js';
import type { CollectItem, CollectOutcome, HostLink } from './host-link.js';
import type { RemoteLayout } from './remote-scripts.js';

// Brings finished task directories back from a host into the local tasks/task_NNN/: one transfer
// per batch (every task that ended since the last one; the link says how: rsync over the ssh
// master connection, or through the shell session). A
// task counts as collected when its exit record for the attempt is on this machine. A failed task
// also gets error_summary.yaml: exit code, stderr tail, and the host's load, free memory and disk
// at the moment it failed (written by the runner on the host: host_state).

export type { CollectItem, CollectOutcome };

export class ResultCollector {
  private queue: CollectItem[] = [];
  private running: Promise<void> | null = null;
  private lastError: string | null = null;

  constructor(
    private readonly link: HostLink,
    private readonly layout: () => RemoteLayout | null,
    private readonly localTasksDir: string,
    private readonly options: { cleanRemote: boolean; onLog: (line: string) => void },
  ) {}

  /** Queues tasks to collect; a batch starts as soon as the previous one is done. */
  add(items: readonly CollectItem[]): void {
    this.queue.push(...items);
    this.kick();
  }

  get error(): string | null {
    return this.lastError;
  }

  /** Waits until everything queued so far is collected (or failed to be). */
  async flush(): Promise<void> {
    while (this.running || this.queue.length > 0) {
      this.kick();
      await this.running;
    }
  }

  /** Collects these tasks now (hsm collect). */
  async collect(items: readonly CollectItem[]): Promise<CollectOutcome> {
    await this.flush();
    return this.batch([...items]);
  }

  private kick(): void {
    if (this.running || this.queue.length === 0) return;
    const items = this.queue.splice(0);
    this.running = this.batch(items)
      .then(() => undefined)
      .finally(() => {
        this.running = null;
        if (this.queue.length > 0) this.kick();
      });
  }

  private async batch(items: CollectItem[]): Promise<CollectOutcome> {
    const layout = this.layout();
    if (items.length === 0) return { collected: [], missing: [], error: null };
    if (!layout) {
      const error = `${this.link.describe()} has not been reached yet: nothing to collect from`;
      return { collected: [], missing: items.map((i) => i.task), error };
    }
    const r = await this.link.fetchTasks(
      layout,
      items.map((i) => i.task),
      this.localTasksDir,
    );
    const collected: string[] = [];
    const missing: string[] = [];
    for (const item of items) {
      if (readExitRecord(`${item.localDir}/exit`, item.attempt)) {
        collected.push(item.task);
        this.writeErrorSummary(item);
      } else missing.push(item.task);
    }
    let error: string | null = null;
    if (r.error) {
      error = r.error;
      this.lastError = error;
      this.options.onLog(error);
    }
    if (this.options.cleanRemote && collected.length > 0) await this.cleanRemote(layout, collected);
    return { collected, missing, error };
  }

  // Removes collected task directories on the host: only those whose exit record arrived here.
  private async cleanRemote(layout: RemoteLayout, tasks: readonly string[]): Promise<void> {
    const r = await this.link.run(
      `cd ${q(layout.tasksDir)} && rm -rf -- ${tasks.map(q).join(' ')}`,
      60_000,
      'clean remote',
    );
    if (r.error || r.exitCode !== 0)
      this.options.onLog(
        `could not clean up collected tasks on ${this.link.describe()}: ${r.error ?? r.stderr}`,
      );
  }

  private writeErrorSummary(item: CollectItem): void {
    const exit = readExitRecord(`${item.localDir}/exit`, item.attempt);
    if (!exit || exit.exit === 0) return;
    const state = existsSync(`${item.localDir}/host_state`)
      ? readFileSync(`${item.localDir}/host_state`, 'utf8').trim()
      : '';
    const host = /host=(\S+)/.exec(state)?.[1] ?? this.link.host;
    const lmd = /load_mem_disk=(\S+) (\S+) (\S+)/.exec(state);
    const tail = readTail(`${item.localDir}/stderr.log`, 2000);
    const lines = [
      `# why task ${item.task} failed on ${this.link.host} (written by hsm when its results were collected)`,
      `attempt: ${item.attempt}`,
      `exit_status: ${exit.exit}`,
      `host: ${JSON.stringify(host)}`,
      `host_load_1m: ${JSON.stringify(lmd?.[1] ?? '-')}`,
      `host_mem_available_kb: ${JSON.stringify(lmd?.[2] ?? '-')}`,
      `host_disk_available_kb: ${JSON.stringify(lmd?.[3] ?? '-')}`,
      `stderr_tail: ${JSON.stringify(tail)}`,
    ];
    writeFileSync(`${item.localDir}/error_summary.yaml`, lines.join('\n') + '\n');
  }
}

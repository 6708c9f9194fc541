import { join } from 'node:path';
import { HsmError } from '../domain/errors.js';
import { openSweepReader, projectSweepIds, type ProjectContext, type SweepReader } from '../api/index.js';

// The open sweeps of a dashboard: one reader per sweep, shared by its requests and live streams, closed
// after a minute without use. A sweep is named by its exact id, one of the project's sweeps: never a
// prefix or a path (the CLI's lookup also takes paths, which a URL must not reach).

const SWEEP_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const IDLE_MS = 60_000;

export class SweepReaders {
  private readonly open = new Map<string, { reader: SweepReader; usedAt: number; users: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly project: ProjectContext) {
    this.timer = setInterval(() => this.closeIdle(), IDLE_MS / 4);
    this.timer.unref();
  }

  /** The reader of sweep `id`; with `hold`, kept open until `release` (a live stream). */
  get(id: string): SweepReader {
    const entry = this.open.get(id);
    if (entry) {
      entry.usedAt = Date.now();
      return entry.reader;
    }
    if (!SWEEP_ID.test(id) || !this.exists(id))
      throw new HsmError('not_found', `no sweep "${id}" in ${this.project.outputDir}`, {
        hint: 'the sweeps page lists this project’s sweeps',
      });
    const reader = openSweepReader(this.project, join(this.project.outputDir, id));
    this.open.set(id, { reader, usedAt: Date.now(), users: 0 });
    return reader;
  }

  hold(id: string): SweepReader {
    const reader = this.get(id);
    this.open.get(id)!.users++;
    return reader;
  }

  release(id: string): void {
    const entry = this.open.get(id);
    if (entry) {
      entry.users = Math.max(0, entry.users - 1);
      entry.usedAt = Date.now();
    }
  }

  closeAll(): void {
    clearInterval(this.timer);
    for (const { reader } of this.open.values()) reader.close();
    this.open.clear();
  }

  private exists(id: string): boolean {
    return projectSweepIds(this.project).includes(id);
  }

  private closeIdle(): void {
    const now = Date.now();
    for (const [id, entry] of this.open) {
      if (entry.users === 0 && now - entry.usedAt > IDLE_MS) {
        entry.reader.close();
        this.open.delete(id);
      }
    }
  }
}

import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

// logs/sweep.log: one JSON object per line (time, level, event, fields), for people and tools that
// read a sweep after the fact. Buffered and flushed at most every `flushMs`, so a busy sweep does not
// pay a write per event; `close` flushes the rest.
export class SweepLog {
  private lines: string[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly path: string,
    private readonly flushMs = 500,
    private readonly echo: ((line: string) => void) | null = null,
  ) {
    mkdirSync(dirname(path), { recursive: true });
  }

  write(
    level: 'debug' | 'info' | 'warn' | 'error',
    event: string,
    fields: Record<string, unknown> = {},
  ): void {
    const line = JSON.stringify({ time: new Date().toISOString(), level, event, ...fields });
    this.lines.push(line);
    this.echo?.(line);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.lines.length === 0) return;
    const text = this.lines.join('\n') + '\n';
    this.lines = [];
    try {
      appendFileSync(this.path, text);
    } catch {
      /* the log is a convenience: never fail a run because it cannot be written */
    }
  }

  close(): void {
    this.flush();
  }
}

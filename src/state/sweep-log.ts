import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogFields, LogLevel, SourceLog, SweepLogger } from '../engine/log-port.js';

// The logging port's adapter (engine/log-port.ts): logs/sweep.log, one JSON object per line
// (`time`, `level`, `event`, fields), and logs/sources/<name>.log with the lines of one source (they
// are in sweep.log too, with `source`). Lines are buffered and appended at most every `flushMs`, so a
// busy sweep pays one write a flush, not one a line; `close` flushes the rest. A log that cannot be
// written never fails a run: it is a convenience, the store and the task records are the truth.

/** Field names whose values are never written (a last guard: callers log no secrets). */
const SECRET_FIELD = /(secret|token|passw|credential|api_?key|^env$)/i;

export class SweepLog implements SweepLogger {
  private readonly buffers = new Map<string, string[]>();
  private readonly sources = new Map<string, SourceLog>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly path: string,
    private readonly sourcePath: (name: string) => string,
    private readonly options: { flushMs?: number; echo?: ((line: string) => void) | null } = {},
  ) {
    mkdirSync(dirname(path), { recursive: true });
  }

  event(level: LogLevel, event: string, fields?: LogFields): void {
    this.push([this.path], line(level, event, undefined, fields));
  }

  command(command: string, ms: number, fields?: LogFields): void {
    this.push([this.path], line('info', 'command', undefined, { command, ms: round(ms), ...fields }));
  }

  source(name: string): SourceLog {
    let log = this.sources.get(name);
    if (!log) {
      const files = [this.path, this.sourcePath(name)];
      try {
        mkdirSync(dirname(files[1]!), { recursive: true });
      } catch {
        /* written to sweep.log only then */
      }
      log = {
        event: (level, event, fields) => this.push(files, line(level, event, name, fields)),
        command: (command, ms, fields) =>
          this.push(files, line('info', 'source:command', name, { command, ms: round(ms), ...fields })),
      };
      this.sources.set(name, log);
    }
    return log;
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const [file, lines] of this.buffers) {
      if (lines.length === 0) continue;
      const text = lines.join('\n') + '\n';
      lines.length = 0;
      try {
        appendFileSync(file, text);
      } catch {
        /* never fail a run because the log cannot be written (disk full) */
      }
    }
  }

  close(): void {
    this.flush();
  }

  private push(files: readonly string[], text: string): void {
    for (const file of files) {
      let lines = this.buffers.get(file);
      if (!lines) this.buffers.set(file, (lines = []));
      lines.push(text);
    }
    this.options.echo?.(text);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.options.flushMs ?? 500);
      this.timer.unref();
    }
  }
}

// Lines come in bursts (a round logs every task it changed): the time is formatted once a millisecond.
let lastMs = 0;
let lastIso = '';
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

function line(level: LogLevel, event: string, source: string | undefined, fields?: LogFields): string {
  const out: Record<string, unknown> = { time: isoNow(), level, event };
  if (source !== undefined) out.source = source;
  if (fields)
    for (const key in fields) {
      const value = fields[key];
      if (value !== undefined) out[key] = SECRET_FIELD.test(key) ? '[redacted]' : value;
    }
  return JSON.stringify(out);
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

import type { TaskRow } from '../engine/ports.js';
import { painterFor, type Painter } from './output.js';

// Progress of a run on stderr: a redrawn bar on a terminal, plain lines when piped (one per finished
// task that did not complete, and a summary line every few seconds), nothing with --json.
export class RunProgress {
  private done = 0;
  private failed = 0;
  private cancelled = 0;
  private running = 0;
  private readonly tty: boolean;
  private readonly paint: Painter;
  private lastDraw = 0;
  private lastPlain = 0;
  private readonly startedAt = Date.now();
  /** Lines held back while a question is on the terminal (Ctrl-C: cancel or leave?). */
  private held: string[] | null = null;

  constructor(
    private readonly total: number,
    private readonly quiet: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
    this.paint = painterFor(stream);
  }

  onTask(task: TaskRow, event: 'queued' | 'started' | 'finished' | 'retrying'): void {
    if (event === 'started') this.running++;
    if (event === 'finished' || event === 'retrying') {
      if (task.startedAt !== null) this.running = Math.max(0, this.running - 1);
      if (event === 'finished') {
        this.done++;
        if (task.status === 'cancelled') this.cancelled++;
        else if (task.status !== 'completed') this.failed++;
      }
      if (task.status !== 'completed') this.line(describeEnd(task, event === 'retrying', this.paint));
    }
    this.draw(false);
  }

  /** Stops writing (a question is on the terminal); `release` writes what came meanwhile. */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const held = this.held;
    this.held = null;
    for (const text of held ?? []) this.line(text);
  }

  finish(): void {
    this.release();
    this.draw(true);
    if (this.tty && !this.quiet) this.stream.write('\n');
  }

  private line(text: string): void {
    if (this.quiet) return;
    if (this.held) {
      this.held.push(text);
      return;
    }
    if (this.tty) this.stream.write('\r\x1b[K');
    this.stream.write(text + '\n');
    if (this.tty) this.draw(true);
  }

  private draw(force: boolean): void {
    if (this.quiet || this.held) return;
    const now = Date.now();
    if (this.tty) {
      if (!force && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      const width = 30;
      const filled = this.total === 0 ? width : Math.round((this.done / this.total) * width);
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      const rate = this.done / Math.max(0.001, (now - this.startedAt) / 1000);
      const eta = rate > 0 ? Math.round((this.total - this.done) / rate) : null;
      const failed =
        (this.failed ? this.paint.red(`, ${this.failed} failed`) : '') +
        (this.cancelled ? `, ${this.cancelled} cancelled` : '');
      this.stream.write(
        `\r\x1b[K[${bar}] ${this.done}/${this.total} done, ${this.running} running${failed}${eta !== null && this.done < this.total ? `, ETA ${eta}s` : ''}`,
      );
    } else if (force || now - this.lastPlain >= 5000) {
      this.lastPlain = now;
      this.stream.write(
        `progress: ${this.done}/${this.total} done, ${this.running} running, ${this.failed} failed${this.cancelled ? `, ${this.cancelled} cancelled` : ''}\n`,
      );
    }
  }
}

function describeEnd(task: TaskRow, retrying: boolean, paint: Painter): string {
  const what =
    task.status === 'cancelled' ? paint.yellow('cancelled') : paint.red(task.reason ?? task.status);
  const detail = task.detail ? ` (${task.detail})` : '';
  return `${task.name} ${what}${detail}${retrying ? ' - will retry' : ''}`;
}

// `5 completed, 1 failed`, coloured for the stream it is written to.
export function describeCounts(counts: Partial<Record<string, number>>, paint: Painter): string {
  const order = ['completed', 'failed', 'lost', 'cancelled', 'running', 'queued', 'pending'];
  return order
    .filter((k) => (counts[k] ?? 0) > 0)
    .map((k) => {
      const text = `${counts[k]} ${k}`;
      return k === 'completed' ? paint.green(text) : k === 'failed' || k === 'lost' ? paint.red(text) : text;
    })
    .join(', ');
}

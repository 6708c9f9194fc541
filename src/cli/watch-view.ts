import { escapeControls, type WatchSnapshot } from '../api/index.js';
import type { Painter } from './output.js';
import { describeCounts } from './progress.js';
import { plural } from '../domain/plural.js';

// What `hsm status --watch` prints: a frame redrawn in place on a terminal, or one plain line per
// change (and the new failures) when piped or under NO_COLOR. Pure: text from a snapshot.

export interface FrameSize {
  columns: number;
  rows: number;
}

type Tone = 'plain' | 'bad' | 'dim' | 'bold';
interface FrameLine {
  text: string;
  tone: Tone;
}

/** The terminal frame: at most `rows - 1` lines, none wider than `columns - 1`, coloured by `paint`. */
export function watchFrame(s: WatchSnapshot, size: FrameSize, paint: Painter): string[] {
  const st = s.status;
  const head: FrameLine[] = [
    { text: `sweep ${st.sweep_id}  ${stateOf(s)}  ${clock(s.now_ms)}`, tone: 'bold' },
    {
      text: `  ${progressBar(st.total, finishedOf(s), 20)} ${finishedOf(s)}/${st.total} done${etaText(s)}`,
      tone: 'plain',
    },
  ];
  const sources: FrameLine[] = Object.entries(st.sources).map(([name, c]) => {
    const hosts = [...new Set(s.running.filter((r) => r.source === name && r.host).map((r) => r.host!))];
    const use = `${c.running} running${c.queued ? `, ${c.queued} queued` : ''}`;
    return {
      text: `  ${name}: ${use}; ${describeCounts({ completed: c.completed, failed: c.failed, lost: c.lost, cancelled: c.cancelled }, plainPaint) || 'none finished'}${hosts.length ? `  on ${hosts.join(', ')}` : ''}`,
      tone: 'plain',
    };
  });
  const failures: FrameLine[] = s.recent_failures.map((f) => ({
    text: `    ${failureText(f, s.now_ms)}`,
    tone: 'bad',
  }));
  const fixed = head.length + 1 + sources.length + (failures.length ? failures.length + 1 : 0) + 1;
  const room = Math.max(1, size.rows - 1 - fixed);
  const shown = s.running_total <= room ? s.running : s.running.slice(0, room - 1);
  const running: FrameLine[] = [
    { text: s.running_total ? `  running (${s.running_total}):` : '  nothing running', tone: 'dim' },
    ...shown.map((r) => ({
      text: `    ${r.name}  ${elapsed(r.elapsed_ms).padStart(8)}  ${r.source ?? ''}${r.host ? `@${r.host}` : ''}${r.attempts > 1 ? `  attempt ${r.attempts}` : ''}`,
      tone: 'plain' as Tone,
    })),
    ...(shown.length < s.running_total
      ? [{ text: `    ... and ${s.running_total - shown.length} more`, tone: 'dim' as Tone }]
      : []),
  ];
  const lines: FrameLine[] = [
    head[0]!,
    {
      text: `  ${plural(st.total, 'task')}: ${describeCounts(st.counts, plainPaint) || 'none'}`,
      tone: 'plain',
    },
    head[1]!,
    ...sources,
    ...running,
    ...(failures.length ? [{ text: '  recent failures:', tone: 'dim' as Tone }, ...failures] : []),
  ];
  const width = Math.max(20, size.columns - 1);
  return lines
    .slice(0, Math.max(1, size.rows - 1))
    .map((l) => toneOf(paint, l.tone)(truncate(l.text, width)));
}

/** One plain line for logs: time, counts, running per source, ETA. */
export function watchLine(s: WatchSnapshot): string {
  const st = s.status;
  const perSource = Object.entries(st.sources)
    .filter(([, c]) => c.running > 0)
    .map(([name, c]) => `${name} ${c.running}`)
    .join(', ');
  return (
    `${clock(s.now_ms)} ${st.sweep_id}: ${finishedOf(s)}/${st.total} done (${describeCounts(st.counts, plainPaint) || 'none'})` +
    `${perSource ? `; running: ${perSource}` : ''}${etaText(s)}${s.ended ? '; not running' : s.left ? '; left on the scheduler' : ''}`
  );
}

/** `task_013 failed [python_exception] ValueError: ... (12s ago)`, safe for a terminal. */
export function failureText(f: WatchSnapshot['recent_failures'][number], nowMs: number): string {
  const ago = f.ended_at_ms === null ? '' : ` (${elapsed(Math.max(0, nowMs - f.ended_at_ms))} ago)`;
  return escapeControls(`${f.name} ${f.status} [${f.category}] ${f.evidence}${ago}`);
}

export function finishedOf(s: WatchSnapshot): number {
  const c = s.status.counts;
  return c.completed + c.failed + c.lost + c.cancelled;
}

/** `0:07`, `12:03`, `1:02:03`. */
export function elapsed(ms: number): string {
  const t = Math.floor(ms / 1000);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function stateOf(s: WatchSnapshot): string {
  if (s.left) return 'left on the scheduler (no hsm process: followed here)';
  if (s.ended) return 'not running';
  return `running (hsm pid ${s.status.running_pid})`;
}

function etaText(s: WatchSnapshot): string {
  const eta = s.status.eta_seconds;
  return !s.ended && eta !== null && eta > 0 ? `, ETA ${elapsed(eta * 1000)}` : '';
}

function progressBar(total: number, done: number, width: number): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

function clock(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 3)}...`;
}

const identity = (t: string) => t;
const plainPaint: Painter = {
  green: identity,
  red: identity,
  yellow: identity,
  dim: identity,
  bold: identity,
};

function toneOf(paint: Painter, tone: Tone): (t: string) => string {
  return tone === 'bad' ? paint.red : tone === 'dim' ? paint.dim : tone === 'bold' ? paint.bold : identity;
}

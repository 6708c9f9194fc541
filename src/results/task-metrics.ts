import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { SweepPaths } from '../state/sweep-paths.js';

// The metrics a task reports, two ways (both may be used): lines `HSM_METRICS {json object}` on
// stdout, and $HSM_TASK_DIR/metrics.json. The last value of each key wins: stdout lines in order,
// then metrics.json (usually written last, at the end of training).

export type Metrics = Record<string, unknown>;

const MARKER = 'HSM_METRICS ';
const CHUNK = 1 << 20;
let chunkBuffer: Buffer | null = null;

export function readTaskMetrics(paths: SweepPaths, task: string): Metrics {
  const metrics: Metrics = {};
  scanMetricLines(paths.taskFile(task, 'stdout.log'), metrics);
  Object.assign(metrics, readMetricsFile(paths.taskFile(task, 'metrics.json')));
  return metrics;
}

function readMetricsFile(path: string): Metrics {
  // most tasks write none: asked without an exception (a failed open costs a thrown error each task)
  if (!statSync(path, { throwIfNoEntry: false })) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  return parseMetricsObject(text) ?? {};
}

/** A JSON object of metrics, or null when the text is not one. */
export function parseMetricsObject(text: string): Metrics | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Metrics) : null;
  } catch {
    return null;
  }
}

// Reads stdout a chunk at a time (a task may print gigabytes) and merges every marker line into
// `into`. A line broken across chunks is carried over; malformed lines are skipped.
function scanMetricLines(path: string, into: Metrics): void {
  // most tasks print little or nothing: an empty log costs one stat, no open, read or 1 MB buffer
  if (!statSync(path, { throwIfNoEntry: false })?.size) return;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return;
  }
  try {
    const buf = (chunkBuffer ??= Buffer.allocUnsafe(CHUNK));
    let carry = '';
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      if (carry === '' && chunk.indexOf(MARKER) < 0) {
        const nl = chunk.lastIndexOf(10);
        // keep the unfinished last line: a marker may start there
        carry = chunk.subarray(Math.max(nl + 1, n - 65536)).toString('utf8');
        continue;
      }
      const text = carry + chunk.toString('utf8');
      const lines = text.split('\n');
      carry = lines.pop()!.slice(-CHUNK);
      for (const line of lines) mergeMetricLine(line, into);
    }
    mergeMetricLine(carry, into);
  } finally {
    closeSync(fd);
  }
}

function mergeMetricLine(line: string, into: Metrics): void {
  const at = line.indexOf(MARKER);
  if (at < 0) return;
  const parsed = parseMetricsObject(line.slice(at + MARKER.length).trim());
  if (parsed) Object.assign(into, parsed);
}

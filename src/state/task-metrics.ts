import { readFileSync } from 'node:fs';

// The metrics a task reported: `$HSM_TASK_DIR/metrics.json`, one JSON object written by the task.

export type TaskMetrics = Record<string, unknown>;

// The object in a metrics.json, or null when there is none (the task wrote none, or not a JSON object:
// a task that crashed half-way through writing it must not make reading a sweep fail).
export function readTaskMetrics(path: string): TaskMetrics | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as TaskMetrics)
      : null;
  } catch {
    return null;
  }
}

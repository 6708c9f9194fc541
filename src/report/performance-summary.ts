import type { ReportInput, ReportTask } from './report-model.js';

// reports/performance_analysis.yaml: the sweep's figures for a program or a diff: durations,
// throughput, use of each source, retries, metrics and the causes of failures.

export interface DurationStats {
  count: number;
  min: number;
  median: number;
  p90: number;
  max: number;
  mean: number;
}

export function performanceSummary(input: ReportInput): Record<string, unknown> {
  const { sweep, tasks, results, errors } = input;
  const durations = tasks.flatMap((t) => (duration(t) === null ? [] : [duration(t)!]));
  let first = Infinity;
  let last = -Infinity;
  for (const t of tasks) {
    if (t.started_at_ms === null) continue;
    first = Math.min(first, t.started_at_ms);
    last = Math.max(last, t.ended_at_ms ?? input.now_ms);
  }
  const wall = first === Infinity ? null : round((last - first) / 1000);
  const finished = sweep.counts.completed + sweep.counts.failed + sweep.counts.lost + sweep.counts.cancelled;
  const retried = tasks.filter((t) => t.attempts > 1);
  return {
    sweep_id: sweep.id,
    generated_at: new Date(input.now_ms).toISOString(),
    state: sweep.running ? 'running' : 'not running',
    tasks: { total: sweep.total, ...sweep.counts },
    success_rate: finished === 0 ? null : round(sweep.counts.completed / finished),
    wall_clock_seconds: wall,
    throughput_per_hour: wall && wall > 0 ? round((finished / wall) * 3600) : null,
    eta_seconds: sweep.running ? sweep.eta_seconds : null,
    duration_seconds: {
      all: stats(durations),
      completed: stats(durationsOf(tasks, 'completed')),
      failed: stats(durationsOf(tasks, 'failed')),
    },
    sources: Object.fromEntries(
      Object.entries(sweep.sources).map(([name, counts]) => {
        const mine = tasks.filter((t) => t.source === name);
        const busy = mine.reduce((a, t) => a + (duration(t) ?? 0), 0);
        return [
          name,
          {
            ...counts,
            busy_seconds: round(busy),
            duration_seconds: stats(mine.flatMap((t) => (duration(t) === null ? [] : [duration(t)!]))),
            hosts: [...new Set(mine.flatMap((t) => (t.host ? [t.host] : [])))].sort(),
          },
        ];
      }),
    ),
    retries: {
      tasks_retried: retried.length,
      extra_attempts: retried.reduce((a, t) => a + t.attempts - 1, 0),
    },
    metric: results.metric,
    best: results.best,
    metrics: Object.fromEntries(
      results.metric_keys.map((k) => {
        const values = results.tasks.flatMap((r) => {
          const v = r.metrics?.[k];
          return r.status === 'completed' && typeof v === 'number' ? [v] : [];
        });
        return [
          k,
          values.length === 0
            ? null
            : {
                count: values.length,
                min: values.reduce((a, b) => Math.min(a, b)),
                mean: round(mean(values)),
                max: values.reduce((a, b) => Math.max(a, b)),
              },
        ];
      }),
    ),
    failures: {
      did_not_complete: errors.failed,
      ...errors.counts,
      groups: errors.groups.map((g) => ({
        category: g.category,
        title: g.title,
        count: g.count,
        tasks: g.folded_tasks,
        evidence: g.evidence,
      })),
    },
  };
}

function duration(t: ReportTask): number | null {
  return t.started_at_ms !== null && t.ended_at_ms !== null
    ? Math.max(0, (t.ended_at_ms - t.started_at_ms) / 1000)
    : null;
}

function durationsOf(tasks: readonly ReportTask[], status: string): number[] {
  return tasks
    .filter((t) => t.status === status)
    .flatMap((t) => (duration(t) === null ? [] : [duration(t)!]));
}

/** Count, min, median, 90th percentile, max and mean; null for no values. */
export function stats(values: readonly number[]): DurationStats | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))]!;
  return {
    count: v.length,
    min: round(v[0]!),
    median: round(at(0.5)),
    p90: round(at(0.9)),
    max: round(v[v.length - 1]!),
    mean: round(mean(v)),
  };
}

function mean(v: readonly number[]): number {
  let s = 0;
  for (const x of v) s += x;
  return s / v.length;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

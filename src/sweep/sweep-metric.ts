import { isMap, type Node, type Pair } from 'yaml';
import { suggestNearest } from './diagnostic.js';
import type { YamlContext } from './yaml-context.js';

// `metric: {name: loss, goal: min}`: the metric that ranks a sweep's tasks (`hsm results` names the
// best task by it).
export interface SweepMetric {
  name: string;
  goal: 'min' | 'max';
}

const GOALS = ['min', 'max'] as const;

export function readMetric(ctx: YamlContext, pair: Pair | undefined): SweepMetric | null {
  if (!pair) return null;
  const node = ctx.resolve(pair.value);
  const value = ctx.toValue(pair.value);
  if (typeof value === 'string' && value.trim() !== '') return { name: value, goal: 'min' };
  const fields =
    isMap(node) && value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  const name = fields?.name;
  const goal = fields?.goal ?? 'min';
  const unknown = fields ? Object.keys(fields).filter((k) => k !== 'name' && k !== 'goal') : [];
  if (!fields || typeof name !== 'string' || name.trim() === '' || unknown.length > 0) {
    ctx.report(
      'error',
      (node as Node | null) ?? (pair.key as Node),
      unknown.length > 0
        ? `\`metric\` takes \`name\` and \`goal\`, not \`${unknown[0]}\``
        : '`metric` must name a metric: `metric: {name: loss, goal: min}`',
      'the name is a key the tasks report (HSM_METRICS lines or metrics.json); goal is min (the default) or max',
    );
    return null;
  }
  if (typeof goal !== 'string' || !(GOALS as readonly string[]).includes(goal)) {
    const near = typeof goal === 'string' ? suggestNearest(goal, [...GOALS]) : undefined;
    ctx.report(
      'error',
      node as Node,
      `\`metric.goal\` must be min or max, got ${JSON.stringify(goal)}${near ? `; did you mean \`${near}\`?` : ''}`,
    );
    return null;
  }
  return { name, goal: goal as SweepMetric['goal'] };
}

// The metric of a sweep file as kept in a sweep directory (sweep_config.yaml), or null when it has
// none or not a valid one (it was validated when the sweep was created).
export function metricOfConfig(config: unknown): SweepMetric | null {
  const m =
    config !== null && typeof config === 'object' ? (config as { metric?: unknown }).metric : undefined;
  if (typeof m === 'string' && m !== '') return { name: m, goal: 'min' };
  if (m === null || typeof m !== 'object') return null;
  const { name, goal } = m as { name?: unknown; goal?: unknown };
  if (typeof name !== 'string' || name === '') return null;
  return { name, goal: goal === 'max' ? 'max' : 'min' };
}

import type { ParamValue } from '../domain/params.js';
import { formatPlainValue } from '../sweep/hydra-value.js';
import { fillWordTemplate, parseWordTemplate } from '../sweep/render-argv.js';
import type { AxisEntry, Expectation, MatrixDefinition, MatrixJobSpec } from './matrix-definition.js';

// The jobs of a matrix: the cartesian product of its axes (the first axis varies slowest), each with
// its argv (placeholders filled, then each entry's extra args in axis order), environment, source,
// resources, time limit and what counts as success. Pure.

/** What a job expects when neither the file nor its entries say. */
export const DEFAULT_EXPECTATION: Expectation = { exit_code: 0 };

export function expandMatrixJobs(def: MatrixDefinition): MatrixJobSpec[] {
  const jobs: MatrixJobSpec[] = [];
  const combos = def.axes.reduce<AxisEntry[][]>(
    (acc, axis) => acc.flatMap((c) => axis.entries.map((e) => [...c, e])),
    [[]],
  );
  if (def.axes.length === 0) return [];
  const templates = def.command.map(parseWordTemplate);
  for (const entries of combos) {
    const axes: Record<string, ParamValue> = {};
    def.axes.forEach((axis, i) => (axes[axis.name] = entries[i]!.value));
    const plain = (key: string) => (key in axes ? formatPlainValue(axes[key]!) : undefined);
    const resources: Record<string, ParamValue> = { ...(def.placement.resources ?? {}) };
    let source = def.placement.source ?? null;
    let timeout = def.placement.timeout ?? null;
    let retries = def.placement.retries ?? 0;
    let expect: Expectation | null = def.expect ? { ...def.expect } : null;
    const env: Record<string, string> = {};
    const args: string[] = [];
    for (const e of entries) {
      Object.assign(resources, e.resources ?? {});
      if (e.source !== undefined) source = e.source;
      if (e.timeout !== undefined) timeout = e.timeout;
      if (e.retries !== undefined) retries = e.retries;
      if (e.expect) expect = { ...(expect ?? {}), ...e.expect };
      Object.assign(env, e.env);
      args.push(...e.args);
    }
    const descriptions = entries.map((e) => e.description).filter((d): d is string => d !== null);
    jobs.push({
      name: entries.map((e) => e.label).join('_'),
      axes,
      argv: [...templates.map((t) => fillWordTemplate(t, plain)), ...args],
      env,
      source,
      resources,
      timeout,
      retries,
      expect: expect ?? { ...DEFAULT_EXPECTATION },
      ci: entries.every((e) => e.ci),
      description: descriptions.length > 0 ? descriptions.join('; ') : null,
    });
  }
  return jobs;
}

// Two combinations whose labels join to the same name (`a_b` + `c` and `a` + `b_c`) would be one job
// to a reader: the names that clash, so the loader can refuse them.
export function findDuplicateJobNames(jobs: readonly MatrixJobSpec[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const j of jobs) (seen.has(j.name) ? dup : seen).add(j.name);
  return [...dup];
}

// The argv a job runs with its environment: `env -- NAME=VALUE ... argv` (argv words, no shell), so
// every source runs it the same way.
export function withEnvironment(argv: readonly string[], env: Record<string, string>): string[] {
  const names = Object.keys(env);
  if (names.length === 0) return [...argv];
  return ['env', '--', ...names.map((n) => `${n}=${env[n]}`), ...argv];
}

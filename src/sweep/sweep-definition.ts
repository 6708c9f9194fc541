import type { SweepAxes } from './axes.js';
import type { ArgsStyle } from './render-argv.js';
import type { SweepMetric } from './sweep-metric.js';

// A validated sweep file (plus command-line overrides): everything needed to generate its tasks.
export interface SweepDefinition {
  /** Absolute path of the sweep file; null when built from text. */
  file: string | null;
  /** `name:`, the prefix of sweep ids. */
  name: string | null;
  /** The command template as argv words (may contain `{key}` placeholders). */
  command: string[];
  /** Where the command came from: the sweep file, or hsm_config.yaml's interpreter + script. */
  commandSource: 'sweep' | 'config';
  args: ArgsStyle;
  axes: SweepAxes;
  /** `metric: {name, goal}`: what ranks the tasks, null when not declared. */
  metric: SweepMetric | null;
  /** Free-form `metadata:`, kept verbatim. */
  metadata: unknown;
  /** Hydra-style `defaults:` (dict or list), kept verbatim. */
  defaults: unknown;
  /** The parsed YAML as given. */
  raw: unknown;
  /** The command-line overrides applied, as given. */
  overrides: string[];
}

/** Over this many tasks, `hsm run` asks for `--max-tasks N` or `--yes`. */
export const LARGE_SWEEP_TASKS = 100_000;
